"""VisecePACL: Visece with frame-level, text-weighted pooling (PACL)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmaction.utils import SampleList
from torch import Tensor, nn

from vlalign.models.heads.pacl_embedder import PACLEmbedder  # noqa: F401
from vlalign.models.layers.pacl_pooling import (WEIGHTS, pacl_class_scores,
                                                pacl_pool_train,
                                                pacl_pool_train_mod)
from vlalign.registry import MODELS
from .visece import Visece

POOLINGS = ('val_mod', 'val')


def _width(module: nn.Module, side: str) -> Optional[int]:
    """Input (``side='in'``) or output width of a Linear or an embedder."""
    return getattr(module, f'{side}_features',
                   getattr(module, f'{side}_channels', None))
TRAIN_MODES = ('pair', 'all_classes')


@MODELS.register_module()
class VisecePACL(Visece):
    """Visece whose clip embedding is pooled over frames per text (PACL).

    The video encoder gives per-frame features (``ViseceVideoEncoder`` with
    ``out_channels=None``: ``[B, T, 512]``, no Linear). A residual
    :class:`PACLEmbedder` maps each frame into the text space, ``[B, T, C]``
    with ``C`` the text width: :class:`Visece`'s ``video_embedder`` applied
    to every frame (the embedder is on the video side, as in the original;
    ``text_embedder`` maps the text side when both should meet in another
    width). Frames are then weighted by their cosine
    similarity to a text and summed (see
    :mod:`vlalign.models.layers.pacl_pooling`), so each clip has one
    embedding per text it is compared with.

    Training (``train_mode``):

    - ``'pair'`` (the original's first mode): each clip is pooled with its own
      class text, ``v_b = pool(f_b, t_b)``, and the symmetric contrastive
      loss of :class:`Visece` (``loss_v2t``, ``loss_t2v``) is taken over the
      batch.
    - ``'all_classes'`` (the original's "new training idea"): each clip is
      pooled with every class text, giving similarities ``[B, L]``; the loss
      ``loss_cls`` is the softmax cross-entropy of ``s * sim`` against the
      true class (target 1 for it, 0 for the others). Softmax CE rather than
      per-class BCE because the actions are single-label and mutually
      exclusive, prediction ranks classes with the same softmax (train and
      test then agree), and it needs no bias or positive/negative balancing,
      which BCE with one positive among ``L`` classes would. ``s`` is the
      learnable :class:`LogitScale`.

    Prediction scores every class as in ``'all_classes'``, in chunks of
    ``test_cfg['class_chunk_size']`` classes, never building ``[N, L, T, C]``
    or ``[N, L, C]`` (see :func:`pacl_class_scores`).

    Args:
        pooling (str): ``'val_mod'`` sums the un-normalised (embedder output)
            frames, ``'val'`` the normalised ones; training uses the matching
            train pooling. Defaults to ``'val_mod'``.
        weight (str): Frame weights, ``'softmax'`` over ``T`` or
            ``'sigmoid'`` of ``sigmoid_scale * sim``. Defaults to
            ``'softmax'``.
        normalize_output (bool): L2-normalise pooled embeddings (scores are
            then cosines). Defaults to ``True``.
        use_embedder (bool): Apply the video embedder; without it the video
            encoder must already output the text width. Defaults to ``True``.
        video_embedder (dict, optional): Frame embedder config; missing
            ``in_channels`` / ``out_channels`` default to the video encoder's
            and the text width. Defaults to ``dict(type='PACLEmbedder')``;
            the original's paclmod5 used Visece's linear embedder on the
            512-d frames, into the 256-d joint space,
            ``dict(type='Linear', in_features=512, out_features=256)``.
        text_embedder (dict, optional): See :class:`Visece`; the video
            embedder then outputs its width. Defaults to ``None``.
        train_mode (str): ``'pair'`` or ``'all_classes'``. Defaults to
            ``'pair'``.
        sigmoid_scale (float): Slope of sigmoid weights. Defaults to ``10``.
        cls_loss_weight (float): Weight of ``loss_cls``. Defaults to ``1.0``.
        **kwargs: See :class:`Visece` and :class:`BaseTextAlignRecognizer`;
            ``test_cfg`` also takes ``class_chunk_size`` (classes scored per
            chunk, ``None`` for all at once; defaults to ``64``).
    """

    def __init__(self,
                 pooling: str = 'val_mod',
                 weight: str = 'softmax',
                 normalize_output: bool = True,
                 use_embedder: bool = True,
                 video_embedder: Optional[Dict] = None,
                 train_mode: str = 'pair',
                 sigmoid_scale: float = 10.0,
                 cls_loss_weight: float = 1.0,
                 **kwargs) -> None:
        if kwargs.pop('embed_frames', True) is not True:
            raise ValueError('VisecePACL embeds frames (embed_frames=True)')
        # Built below, once the text width is known.
        super().__init__(video_embedder=None, embed_frames=True, **kwargs)
        if pooling not in POOLINGS:
            raise ValueError(f'pooling must be one of {POOLINGS}, got "{pooling}"')
        if weight not in WEIGHTS:
            raise ValueError(f'weight must be one of {WEIGHTS}, got "{weight}"')
        if train_mode not in TRAIN_MODES:
            raise ValueError(f'train_mode must be one of {TRAIN_MODES}, '
                             f'got "{train_mode}"')
        self.pooling = pooling
        self.mod = pooling == 'val_mod'
        self.weight = weight
        self.normalize_output = normalize_output
        self.train_mode = train_mode
        self.sigmoid_scale = sigmoid_scale
        self.cls_loss_weight = cls_loss_weight
        self.test_cfg.setdefault('class_chunk_size', 64)

        embed_dims = _width(self.text_embedder, 'out') if self.text_embedder \
            is not None else self.text_encoder.out_channels
        video_width = getattr(self.video_encoder, 'out_channels', None)
        if use_embedder:
            cfg = dict(video_embedder or dict(type='PACLEmbedder'))
            in_key, out_key = (('in_features', 'out_features')
                               if cfg['type'] == 'Linear' else
                               ('in_channels', 'out_channels'))
            if video_width is not None:
                cfg.setdefault(in_key, video_width)
            cfg.setdefault(out_key, embed_dims)
            self.video_embedder = MODELS.build(cfg)
            in_width = _width(self.video_embedder, 'in')
            if None not in (video_width, in_width) and in_width != video_width:
                raise ValueError(f'video_embedder in_channels={in_width} but '
                                 f'the video encoder outputs {video_width}')
            video_width = _width(self.video_embedder, 'out')
        if video_width is not None and video_width != embed_dims:
            raise ValueError(
                f'video features ({video_width}) and text embeddings '
                f'({embed_dims}) must have the same width: set the '
                'video_embedder out_channels (or the video encoder '
                'out_channels without an embedder) to the text width, or '
                'give a text_embedder')

    # ---------------------------------------------------------------- encode
    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, int]:
        """Per-frame features in the text space, ``[B * K, T', C]``, and
        ``K``: the video encoder's output through the embedder."""
        feats, num_clips = super().extract_feat(inputs)
        if self.video_embedder is not None:
            feats = self.video_embedder(feats)
        return feats, num_clips

    def embed_video(self, frame_feats: Tensor) -> Tensor:
        raise NotImplementedError(
            'VisecePACL pools frames per text, so a clip has no single '
            'embedding: use pool_video(frame_feats, text) or '
            'score_classes(frame_feats, text_emb)')

    def pool_video(self, frame_feats: Tensor, text: Tensor) -> Tensor:
        """Clip embeddings ``[B, C]`` pooled with each clip's own text.

        Args:
            frame_feats (Tensor): ``[B, T, C]`` (the embedder output).
            text (Tensor): ``[B, C]``.
        """
        pool = pacl_pool_train_mod if self.mod else pacl_pool_train
        return pool(frame_feats, text, self.weight, self.normalize_output,
                    self.sigmoid_scale)

    def class_similarity(self, frame_feats: Tensor, class_emb: Tensor,
                         chunk_size: Optional[int] = None) -> Tensor:
        """Unscaled similarities ``[N, L]`` of clips pooled per class."""
        return pacl_class_scores(frame_feats, class_emb, self.mod, self.weight,
                                 self.normalize_output, self.sigmoid_scale,
                                 chunk_size)

    def score_classes(self, frame_feats: Tensor, class_emb: Tensor) -> Tensor:
        sim = self.class_similarity(frame_feats, class_emb,
                                    self.test_cfg['class_chunk_size'])
        return self.logit_scale() * sim

    # ------------------------------------------------------------------ loss
    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        frame_feats, num_clips = self.extract_feat(inputs)
        labels = self.gt_labels(data_samples).repeat_interleave(num_clips)
        scale = self.logit_scale()
        if self.train_mode == 'pair':
            text = self.label_text_embeddings(labels)
            video = self.pool_video(frame_feats, text)
            losses = self.loss_align(video, text, scale, labels)
        else:
            names: List[str] = list(self.class_texts)
            if labels.min() < 0 or labels.max().item() >= len(names):
                raise ValueError(f'labels {labels.unique().tolist()} out of '
                                 f'range for {len(names)} class texts')
            # All class texts with gradients: every step trains the text
            # encoder on every class, as the original did.
            class_emb = self.encode_class_texts(names)
            logits = scale * self.class_similarity(frame_feats, class_emb)
            losses = dict(loss_cls=self.cls_loss_weight *
                          F.cross_entropy(logits, labels))
        losses['logit_scale'] = scale.detach()
        return losses
