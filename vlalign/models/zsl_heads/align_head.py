"""vlalign's contrastive alignment on stage-1 features.

The feature-level form of :class:`~vlalign.models.recognizers.Visece` /
:class:`~vlalign.models.recognizers.FeatureCLIP`: a projection of the
skeleton feature, ``v = norm(P_v(x))``, and of the frozen class text
embedding, ``t = norm(P_t(e))``, trained with the symmetric label-aware
InfoNCE (every same-class pair of the batch is a positive) under a
learnable logit scale ``s`` (initialised at ``1 / 0.07``, clamped to
``[1, 100]``):

    L = CE(s v T^T, Y) + CE(s T v^T, Y^T)

A sample scores class ``c`` by ``s v . t_c``; the class texts may be an
ensemble of prompts and descriptions (``text.templates``, ``text.sources``).
"""
from typing import Dict, Optional, Sequence

import torch.nn.functional as F
from torch import Tensor

from vlalign.models.layers import LogitScale
from vlalign.registry import LOSSES, MODELS
from .base import BaseZSLHead


@MODELS.register_module()
class AlignZSLHead(BaseZSLHead):
    """Contrastive feature-text alignment (see the module docstring).

    Args:
        embed_dim (int): Shared space width. Defaults to ``256``.
        hidden (int): Hidden width of the feature projection. Defaults to
            ``512``.
        dropout (float): Dropout in the feature projection. Defaults to
            ``0.1``.
        loss (dict, optional): Defaults to ``VideoTextContrastiveLoss``
            (label-aware).
        init_temperature (float): Defaults to ``0.07``.
        **kwargs: See :class:`BaseZSLHead`.
    """

    def __init__(self, embed_dim: int = 256, hidden: int = 512,
                 dropout: float = 0.1, loss: Optional[Dict] = None,
                 init_temperature: float = 0.07, **kwargs) -> None:
        super().__init__(**kwargs)
        self.video_proj = MODELS.build(dict(
            type='ProjectionMLP', in_channels=self.feature_dim,
            out_channels=embed_dim, hidden_channels=hidden, num_layers=2,
            dropout=dropout))
        self.text_proj = MODELS.build(dict(
            type='ProjectionMLP', in_channels=self.text_dim,
            out_channels=embed_dim, num_layers=1))
        self.logit_scale = LogitScale(init_temperature, 100.0)
        self.loss_fn = LOSSES.build(loss or dict(
            type='VideoTextContrastiveLoss', label_aware=True))

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Sequence) -> Dict[str, Tensor]:
        labels = self.gt_labels(data_samples)
        v = F.normalize(self.video_proj(inputs['feature']), dim=-1)
        t = F.normalize(self.text_proj(self.class_emb[labels]), dim=-1)
        scale = self.logit_scale()
        losses = self.loss_fn(v, t, scale, labels)
        losses['logit_scale'] = scale.detach()
        return losses

    def class_scores(self, features: Tensor,
                     frames: Optional[Tensor] = None) -> Dict[str, Tensor]:
        v = F.normalize(self.video_proj(features), dim=-1)
        t = F.normalize(self.text_proj(self.class_emb), dim=-1)
        return dict(gzsl=self.logit_scale() * v @ t.t())
