"""Visece: video-text contrastive recognizer."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmaction.utils import SampleList
from torch import Tensor, nn

from vlalign.models.layers import LogitScale
from vlalign.registry import LOSSES, MODELS
from .base import BaseTextAlignRecognizer


def _out_width(module: nn.Module) -> Optional[int]:
    """Output width of a Linear (``out_features``), an embedder or an
    encoder (``out_channels``); ``None`` when the module does not say."""
    return getattr(module, 'out_features',
                   getattr(module, 'out_channels', None))


@MODELS.register_module()
class Visece(BaseTextAlignRecognizer):
    """Video-text contrastive recognizer (the original "Visece").

    A clip embedding pools per-frame features ``f: [B, T, C]`` over time,
    ``v = norm(E_v(pool_t f_t))`` (or ``norm(pool_t E_v(f_t))`` with
    ``embed_frames=True``), where ``pool`` is :meth:`pool_frames` (the mean
    over ``T``; override it for another pooling, the embedder placement stays
    here); a class embedding is ``t = norm(E_t(g(name)))``
    for the text encoder ``g``. ``E_v``/``E_t`` are the optional video and
    text embedders (the original's ``vision_projector``/``text_projector``
    into a shared space; identity when not given). Training minimises the
    symmetric InfoNCE over the (cross-rank) batch, ``loss_v2t + loss_t2v``
    with logits ``s * v @ t^T`` and a learnable, clamped scale ``s``.
    Prediction scores ``s * v @ t_l^T`` for every class text ``l``, seen in
    training or not.

    Args:
        loss (dict): Contrastive loss config. Defaults to
            ``VideoTextContrastiveLoss``.
        init_temperature (float): Initial temperature. Defaults to ``0.07``.
        max_logit_scale (float): Clamp of the scale. Defaults to ``100``.
        video_embedder (dict, optional): Module ``[..., C] -> [..., D]`` on
            the video side, e.g. ``dict(type='Linear', in_features=768,
            out_features=256)`` or ``dict(type='PACLEmbedder', ...)``.
            Defaults to ``None``.
        embed_frames (bool): Apply ``video_embedder`` to every frame before
            temporal pooling instead of to the pooled clip feature (the
            original's visecemod1/visecemod4). Defaults to ``False``.
        text_embedder (dict, optional): Module ``[N, C_t] -> [N, D]`` on the
            text side. Defaults to ``None``.
        **kwargs: See :class:`BaseTextAlignRecognizer`.
    """

    def __init__(self,
                 loss: Optional[Dict] = None,
                 init_temperature: float = 0.07,
                 max_logit_scale: float = 100.0,
                 video_embedder: Optional[Dict] = None,
                 embed_frames: bool = False,
                 text_embedder: Optional[Dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.loss_align = LOSSES.build(
            loss or dict(type='VideoTextContrastiveLoss'))
        self.logit_scale = LogitScale(init_temperature, max_logit_scale)
        self.video_embedder = MODELS.build(video_embedder) \
            if video_embedder else None
        self.embed_frames = embed_frames
        self.text_embedder = MODELS.build(text_embedder) \
            if text_embedder else None

    def text_modules(self) -> List[nn.Module]:
        modules = super().text_modules()
        if self.text_embedder is not None:
            modules.append(self.text_embedder)
        return modules

    def embed_texts(self, texts: Sequence[str]) -> Tensor:
        """Text embeddings ``[N, D]``: encoder, then the text embedder."""
        text = self.text_encoder(list(texts))
        return self.text_embedder(text) if self.text_embedder is not None \
            else text

    @property
    def pool_channels(self) -> int:
        """Width ``C`` of the frame features :meth:`pool_frames` receives.

        The video embedder's output width with ``embed_frames=True``, else the
        video encoder's ``out_channels``: what a pooling with parameters
        (e.g. a learned query ``Linear(C, 1)``) is built with.

        Raises:
            ValueError: If the module in front of the pooling does not say
                its width (no ``out_features`` / ``out_channels``).
        """
        module = self.video_embedder if self.embed_frames and \
            self.video_embedder is not None else self.video_encoder
        width = _out_width(module)
        if width is None:
            raise ValueError(
                f'cannot tell the width of the frame features: '
                f'{type(module).__name__} has no out_features/out_channels')
        return width

    def pool_frames(self, frame_feats: Tensor) -> Tensor:
        """Pool per-frame features over time: the mean over ``T``.

        The one method a new temporal pooling overrides; :meth:`embed_video`
        applies the video embedder before (``embed_frames=True``) or after
        it and normalises the result.

        Args:
            frame_feats (Tensor): ``[B, T, C]``, ``C`` = :attr:`pool_channels`.

        Returns:
            Tensor: Clip features ``[B, C]``.
        """
        return frame_feats.mean(1)

    def embed_video(self, frame_feats: Tensor) -> Tensor:
        """Normalised clip embeddings ``[B, D]`` from ``[B, T, C]``: the video
        embedder per frame or per clip around :meth:`pool_frames`."""
        x = frame_feats
        if self.video_embedder is not None and self.embed_frames:
            x = self.video_embedder(x)  # [B, T, D]
        x = self.pool_frames(x)
        if self.video_embedder is not None and not self.embed_frames:
            x = self.video_embedder(x)  # [B, D]
        return F.normalize(x, dim=-1)

    def score_classes(self, frame_feats: Tensor, class_emb: Tensor) -> Tensor:
        return self.logit_scale() * self.embed_video(frame_feats) @ class_emb.t()

    def contrastive_terms(self, frame_feats: Tensor, labels: Tensor
                          ) -> Tuple[Dict[str, Tensor], Tensor, Tensor]:
        """The contrastive losses and the embeddings they were computed on.

        Args:
            frame_feats (Tensor): ``[B, T, C]``.
            labels (Tensor): ``[B]``.

        Returns:
            tuple: losses (``loss_v2t``, ``loss_t2v`` and the logged
            ``logit_scale``), video ``[B, C]`` and text ``[B, C]`` embeddings,
            for subclasses that add objectives on the same pairs.
        """
        video = self.embed_video(frame_feats)
        text = self.label_text_embeddings(labels)
        scale = self.logit_scale()
        losses = self.loss_align(video, text, scale, labels)
        losses['logit_scale'] = scale.detach()
        return losses, video, text

    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        frame_feats, num_clips = self.extract_feat(inputs)
        labels = self.gt_labels(data_samples).repeat_interleave(num_clips)
        return self.contrastive_terms(frame_feats, labels)[0]
