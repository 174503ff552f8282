"""Contrastive loss against a momentum feature bank with distilled targets."""
from typing import Dict, Optional, Union

import torch
from torch import Tensor

from vlalign.registry import LOSSES
from .contrastive import VideoTextContrastiveLoss, soft_cross_entropy


@LOSSES.register_module()
class MomentumDistillLoss(VideoTextContrastiveLoss):
    """Symmetric InfoNCE against a momentum bank, targets mixed with the
    momentum model's own similarities (ALBEF's momentum distillation).

    The bank holds ``K`` momentum features: the (gathered) batch followed by
    a queue. With ``s`` the logit scale and ``y_gt`` the ground truth,

    - ``loss_v2t = CE(s * v @ T_bank^T, alpha * softmax(s * v_m @ T_bank^T)
      + (1 - alpha) * y_gt)``
    - ``loss_t2v = CE(s * t @ V_bank^T, alpha * softmax(s * t_m @ V_bank^T)
      + (1 - alpha) * y_gt)``

    With ``label_aware=True``, ``y_gt`` spreads evenly over every bank entry
    of the row's class, in the batch and in the queue alike (queue rows with
    label ``-1`` are never positives); otherwise it is one-hot at the row's
    own momentum feature, ``offset + i``.

    Args:
        label_aware (bool): Same-class bank entries are positives.
            Defaults to ``True``.
        loss_weight (float): Multiplier of both terms. Defaults to ``1.0``.
    """

    @torch.no_grad()
    def mixed_targets(self, momentum_feats: Tensor, bank: Tensor,
                      logit_scale: Tensor, gt_targets: Tensor,
                      alpha: Union[float, Tensor]) -> Tensor:
        """``alpha * softmax(s * momentum_feats @ bank^T) + (1 - alpha) *
        gt_targets``, ``[B, K]``, rows summing to one."""
        sim = (logit_scale * momentum_feats @ bank.t()).softmax(-1)
        return alpha * sim + (1.0 - alpha) * gt_targets

    def forward(self, video: Tensor, text: Tensor, momentum_video: Tensor,
                momentum_text: Tensor, video_bank: Tensor, text_bank: Tensor,
                logit_scale: Tensor, labels: Optional[Tensor] = None,
                bank_labels: Optional[Tensor] = None, offset: int = 0,
                alpha: Union[float, Tensor] = 0.4) -> Dict[str, Tensor]:
        """
        Args:
            video (Tensor): ``[B, C]`` normalised online video embeddings.
            text (Tensor): ``[B, C]`` normalised online text embeddings,
                row ``i`` describing clip ``i``.
            momentum_video (Tensor): ``[B, C]`` momentum video embeddings.
            momentum_text (Tensor): ``[B, C]`` momentum text embeddings.
            video_bank (Tensor): ``[K, C]`` momentum video features.
            text_bank (Tensor): ``[K, C]`` momentum text features; row
                ``offset + i`` is ``momentum_text[i]`` (likewise for video).
            logit_scale (Tensor): 0-d inverse temperature.
            labels (Tensor, optional): ``[B]`` class indices.
            bank_labels (Tensor, optional): ``[K]`` labels of the bank rows.
            offset (int): Bank row of the first local sample. Defaults to
                ``0``.
            alpha (float | Tensor): Weight (0-d) of the momentum
                similarities in the targets. Defaults to ``0.4``.

        Returns:
            dict: ``loss_v2t`` and ``loss_t2v``.
        """
        if (labels is None) != (bank_labels is None):
            raise ValueError('give both labels and bank_labels, or neither')
        y_gt = self.targets(labels, bank_labels, video.shape[0],
                            video_bank.shape[0], offset, video.device)
        scale = logit_scale.detach()
        y_v2t = self.mixed_targets(momentum_video, text_bank, scale, y_gt, alpha)
        y_t2v = self.mixed_targets(momentum_text, video_bank, scale, y_gt, alpha)
        loss_v2t = soft_cross_entropy(logit_scale * video @ text_bank.t(), y_v2t)
        loss_t2v = soft_cross_entropy(logit_scale * text @ video_bank.t(), y_t2v)
        return dict(loss_v2t=self.loss_weight * loss_v2t,
                    loss_t2v=self.loss_weight * loss_t2v)
