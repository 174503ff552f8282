"""ViseceITM: Visece plus video-text matching with hard negatives."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmaction.utils import SampleList
from torch import Tensor

from vlalign.models.heads.itm_head import ITMHead  # noqa: F401 (registers)
from vlalign.models.losses.itm import HARD_NEGATIVE_MODES, itm_pairs
from vlalign.registry import LOSSES, MODELS
from .visece import Visece

#: What a batch without any valid negative does to the ITM loss.
NO_NEGATIVE_RULES = ('skip', 'positives')


@MODELS.register_module()
class ViseceITM(Visece):
    """Visece with a video-text matching (ITM) objective.

    Besides Visece's contrastive ``loss_v2t`` and ``loss_t2v``, a fusion
    head (:class:`ITMHead`) lets the text tokens of a class prompt
    cross-attend to the per-frame video features and classifies the pair as
    match / no match (ALBEF, VindLU). Each clip is scored with its own class
    text (positive), with a hard negative text, and each text with a hard
    negative clip; negatives are drawn from the local batch by the
    contrastive similarity (``hard_negative``). Same-class pairs are never
    negatives: they are masked out before sampling (VindLU's rule; the
    original could draw a same-class "negative"). ``loss_itm`` is the
    cross-entropy over all pairs, times ``itm_weight``.

    A batch without any valid negative (all its clips of one class, e.g. a
    small per-GPU batch) has only positive pairs. With
    ``no_negative='skip'`` (the default, the original's rule) its ITM loss
    is skipped: the head does not run, ``loss_itm`` is a zero tied to the
    head's parameters (zero gradients) and ``itm_acc`` is not logged for
    it. The key stays because under DDP every rank must give every
    parameter a gradient in every step (a rank whose head got none would
    stall or fail DDP's gradient reduction, unless
    ``find_unused_parameters``), and a fixed set of loss keys keeps the
    logs of all ranks and steps alike. ``no_negative='positives'`` trains on
    the positive pairs alone (vlalign's first rule): every target is
    "match", which pushes the head toward always answering match.

    The ITM text of a class is its prompt with the first template
    (``templates[0]``).

    Prediction ranks classes by Visece's contrastive score. With
    ``test_cfg=dict(itm_rerank_k=K)`` the top-``K`` classes of each clip are
    re-ordered by their ITM match probability: the class with the highest
    match probability gets the highest of those ``K`` contrastive logits,
    and so on. The set of top-``K`` classes, their logit values and every
    other class's logit are unchanged, so scores stay a distribution.

    Args:
        itm_head (dict, optional): :class:`ITMHead` config;
            ``text_channels``, ``video_channels`` and ``num_heads`` default to
            the encoders' widths and the text encoder's head count. Defaults
            to ``dict(type='ITMHead', num_layers=2)``.
        hard_negative (str): ``'sample'`` (draw with probability
            ``softmax(similarity)`` over the other-class candidates) or
            ``'hardest'`` (argmax). Defaults to ``'sample'``.
        itm_weight (float): Weight of ``loss_itm``. Defaults to ``1.0``.
        frozen_bert (bool): Freeze the text encoder (no gradients, eval
            mode); the fusion head stays trainable. Defaults to ``False``.
        no_negative (str): A batch without any valid negative: ``'skip'``
            its ITM loss (zero, no gradient) or train on its ``'positives'``.
            Defaults to ``'skip'``.
        **kwargs: See :class:`Visece` and :class:`BaseTextAlignRecognizer`;
            ``test_cfg`` may add ``itm_rerank_k`` (int, ``0`` = off).
    """

    def __init__(self,
                 itm_head: Optional[Dict] = None,
                 hard_negative: str = 'sample',
                 itm_weight: float = 1.0,
                 frozen_bert: bool = False,
                 no_negative: str = 'skip',
                 **kwargs) -> None:
        if hard_negative not in HARD_NEGATIVE_MODES:
            raise ValueError(f'hard_negative must be one of '
                             f'{HARD_NEGATIVE_MODES}, got "{hard_negative}"')
        if no_negative not in NO_NEGATIVE_RULES:
            raise ValueError(f'no_negative must be one of '
                             f'{NO_NEGATIVE_RULES}, got "{no_negative}"')
        if frozen_bert:
            kwargs['text_encoder'] = dict(kwargs['text_encoder'], frozen=True)
        super().__init__(**kwargs)
        rerank_k = self.test_cfg.get('itm_rerank_k', 0) or 0
        if not isinstance(rerank_k, int) or rerank_k < 0:
            raise ValueError(f'test_cfg.itm_rerank_k must be an int >= 0, '
                             f'got {rerank_k!r}')
        head = dict(type='ITMHead', num_layers=2)
        head.update(itm_head or {})
        head.setdefault('text_channels', self.text_encoder.out_channels)
        head.setdefault('video_channels',
                        getattr(self.video_encoder, 'out_channels', None))
        text_cfg = getattr(getattr(self.text_encoder, 'model', None), 'config',
                           None)
        if hasattr(text_cfg, 'num_attention_heads'):
            head.setdefault('num_heads', text_cfg.num_attention_heads)
        self.itm_head = MODELS.build(head)
        self.loss_itm = LOSSES.build(dict(type='ITMLoss', loss_weight=itm_weight))
        self.hard_negative = hard_negative
        self.frozen_bert = frozen_bert
        self.no_negative = no_negative
        # Class-prompt tokens for re-ranking, valid while the base class's
        # embedding cache (the key) is the same object.
        self._itm_cache: Optional[Tuple[Tensor, Tensor, Tensor]] = None

    # ------------------------------------------------------------------ text
    def text_tokens(self, names: Sequence[str]) -> Tuple[Tensor, Tensor]:
        """Token features of the class prompts (``templates[0]``).

        Args:
            names (list[str]): ``U`` class names.

        Returns:
            tuple: ``[U, L, C_t]`` token features and ``[U, L]`` mask.
        """
        tokens = self.text_encoder.tokenize(
            [self.templates[0].format(n) for n in names])
        hidden = self.text_encoder.forward_tokens(**tokens)
        return hidden, tokens['attention_mask']

    def label_text_tokens(self, labels: Tensor) -> Tuple[Tensor, Tensor]:
        """Token features ``[B, L, C_t]`` and mask ``[B, L]`` of each
        sample's class prompt; each distinct class is encoded once."""
        uniq, inverse = labels.unique(return_inverse=True)
        hidden, mask = self.text_tokens(
            [self.class_texts[i] for i in uniq.tolist()])
        return hidden[inverse], mask[inverse]

    def class_text_tokens(self) -> Tuple[Tensor, Tensor]:
        """Cached token features of all class prompts (eval only)."""
        key = self.class_embeddings()
        if self._itm_cache is None or self._itm_cache[0] is not key:
            with torch.no_grad():
                hidden, mask = self.text_tokens(self.class_texts)
            self._itm_cache = (key, hidden, mask)
        return self._itm_cache[1], self._itm_cache[2]

    # ------------------------------------------------------------- training
    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        frame_feats, num_clips = self.extract_feat(inputs)
        labels = self.gt_labels(data_samples).repeat_interleave(num_clips)
        losses, video, text = self.contrastive_terms(frame_feats, labels)
        losses.update(self.itm_loss(frame_feats, video, text, labels,
                                    self.logit_scale()))
        return losses

    def itm_loss(self, frame_feats: Tensor, video: Tensor, text: Tensor,
                 labels: Tensor, logit_scale: Tensor) -> Dict[str, Tensor]:
        """ITM loss over positives and in-batch hard negatives.

        Args:
            frame_feats (Tensor): ``[B, T, C_v]`` per-frame video features.
            video (Tensor): ``[B, C]`` normalised clip embeddings.
            text (Tensor): ``[B, C]`` normalised class-text embeddings.
            labels (Tensor): ``[B]`` class labels.
            logit_scale (Tensor): 0-d contrastive scale (sharpens sampling).

        Returns:
            dict: ``loss_itm`` and ``itm_acc``; only ``loss_itm`` (zero) for
            a skipped batch without negatives (``no_negative='skip'``).
        """
        sim = (logit_scale * video @ text.t()).detach()  # [B, B]
        video_idx, text_idx, targets = itm_pairs(sim, labels,
                                                 self.hard_negative)
        if self.no_negative == 'skip' and not bool((targets == 0).any()):
            return dict(loss_itm=self._skipped_itm_loss(frame_feats))
        hidden, mask = self.label_text_tokens(labels)
        logits = self.itm_head(hidden[text_idx], mask[text_idx],
                               frame_feats[video_idx])
        return self.loss_itm(logits, targets)

    def _skipped_itm_loss(self, frame_feats: Tensor) -> Tensor:
        """A 0-d zero tied to every trainable head parameter: each gets a
        zero gradient, so DDP sees all of them used."""
        params = [p for p in self.itm_head.parameters() if p.requires_grad]
        if not params:
            return frame_feats.new_zeros(())
        return sum(p.sum() for p in params) * 0.0

    # ----------------------------------------------------------- prediction
    def itm_match_prob(self, frame_feats: Tensor, class_idx: Tensor) -> Tensor:
        """ITM match probability of each clip with given classes.

        Args:
            frame_feats (Tensor): ``[N, T, C_v]``.
            class_idx (Tensor): ``[N, K]`` indices into :attr:`class_texts`.

        Returns:
            Tensor: ``[N, K]`` in ``[0, 1]``.
        """
        hidden, mask = self.class_text_tokens()
        flat = class_idx.flatten()
        video = frame_feats.repeat_interleave(class_idx.shape[1], dim=0)
        prob = self.itm_head.match_prob(hidden[flat], mask[flat], video)
        return prob.view_as(class_idx)

    def itm_rerank(self, frame_feats: Tensor, logits: Tensor, k: int) -> Tensor:
        """Re-order each clip's top-``k`` classes by ITM match probability.

        Args:
            frame_feats (Tensor): ``[N, T, C_v]``.
            logits (Tensor): ``[N, L]`` contrastive class logits.
            k (int): Classes to re-rank.

        Returns:
            Tensor: ``[N, L]``; the top-``k`` logit values are permuted among
            the top-``k`` classes, all else is unchanged.
        """
        top_val, top_idx = logits.topk(min(k, logits.shape[-1]), dim=-1)
        prob = self.itm_match_prob(frame_feats, top_idx)
        order = prob.argsort(dim=-1, descending=True, stable=True)
        # top_val is sorted: the r-th most likely match gets the r-th logit.
        return logits.scatter(1, top_idx.gather(1, order), top_val)

    def score_classes(self, frame_feats: Tensor, class_emb: Tensor) -> Tensor:
        """Contrastive logits ``[N, L]``, top-``K`` re-ranked by ITM when
        ``test_cfg['itm_rerank_k'] > 1`` (``class_emb`` must then be the
        embeddings of :attr:`class_texts`, as in :meth:`predict`)."""
        logits = super().score_classes(frame_feats, class_emb)
        k = self.test_cfg.get('itm_rerank_k', 0) or 0
        if k > 1:
            if class_emb.shape[0] != len(self.class_texts):
                raise ValueError(
                    f'itm_rerank_k needs class_emb of the {len(self.class_texts)}'
                    f' class texts, got {class_emb.shape[0]} rows')
            logits = self.itm_rerank(frame_feats, logits, k)
        return logits
