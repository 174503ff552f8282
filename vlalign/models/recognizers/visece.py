"""Visece: video-text contrastive recognizer."""
from typing import Dict, Optional, Tuple

import torch.nn.functional as F
from mmaction.utils import SampleList
from torch import Tensor

from vlalign.models.layers import LogitScale
from vlalign.registry import LOSSES, MODELS
from .base import BaseTextAlignRecognizer


@MODELS.register_module()
class Visece(BaseTextAlignRecognizer):
    """Video-text contrastive recognizer (the original "Visece").

    A clip embedding is the temporal mean of its per-frame features,
    ``v = norm(mean_t f_t)`` with ``f: [B, T, C]``; a class embedding is the
    normalised text embedding of its name, ``t = norm(g(name))``. Training
    minimises the symmetric InfoNCE over the (cross-rank) batch,
    ``loss_v2t + loss_t2v`` with logits ``s * v @ t^T`` and a learnable,
    clamped scale ``s``. Prediction scores ``s * v @ t_l^T`` for every class
    text ``l``, seen in training or not.

    Args:
        loss (dict): Contrastive loss config. Defaults to
            ``VideoTextContrastiveLoss``.
        init_temperature (float): Initial temperature. Defaults to ``0.07``.
        max_logit_scale (float): Clamp of the scale. Defaults to ``100``.
        **kwargs: See :class:`BaseTextAlignRecognizer`.
    """

    def __init__(self,
                 loss: Optional[Dict] = None,
                 init_temperature: float = 0.07,
                 max_logit_scale: float = 100.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.loss_align = LOSSES.build(
            loss or dict(type='VideoTextContrastiveLoss'))
        self.logit_scale = LogitScale(init_temperature, max_logit_scale)

    def embed_video(self, frame_feats: Tensor) -> Tensor:
        """Normalised clip embeddings ``[N, C]`` from ``[N, T, C]``."""
        return F.normalize(frame_feats.mean(1), dim=-1)

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
