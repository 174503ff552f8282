"""Symmetric video-text contrastive (InfoNCE) loss, gathered across ranks."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.registry import LOSSES
from vlalign.utils.dist import gather_no_grad, gather_with_grad


def soft_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean over rows of ``-sum_j targets_ij * log_softmax(logits)_ij``."""
    return -(targets * F.log_softmax(logits, dim=-1)).sum(-1).mean()


@LOSSES.register_module()
class VideoTextContrastiveLoss(nn.Module):
    """Symmetric InfoNCE between L2-normalised video and text embeddings.

    ``loss_v2t = CE(s * v @ t_all^T, y)``, ``loss_t2v = CE(s * t @ v_all^T, y)``
    with ``s`` the logit scale. Each rank scores its local rows against the
    features of all ranks; the mean over ranks (what DDP optimises) equals the
    single-process loss over the global batch.

    With ``label_aware=True`` every pair with the same class label is a
    positive (targets spread evenly over them): in action recognition a
    batch often holds several clips of one class, and the plain one-hot
    InfoNCE would push a clip away from its own class text. Without labels,
    or ``label_aware=False``, the targets are the diagonal.

    Args:
        label_aware (bool): Same-class pairs are positives. Defaults to ``True``.
        loss_weight (float): Multiplier of both terms. Defaults to ``1.0``.
    """

    def __init__(self, label_aware: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.label_aware = label_aware
        self.loss_weight = loss_weight

    def targets(self, labels: Optional[Tensor], labels_all: Optional[Tensor],
                num_local: int, num_all: int, offset: int,
                device: torch.device) -> Tensor:
        """Soft targets ``[num_local, num_all]`` whose rows sum to one."""
        if self.label_aware and labels is not None:
            pos = (labels[:, None] == labels_all[None, :]).float()
        else:
            pos = torch.zeros(num_local, num_all, device=device)
            idx = torch.arange(num_local, device=device)
            pos[idx, idx + offset] = 1.0
        return pos / pos.sum(-1, keepdim=True)

    def forward(self, video: Tensor, text: Tensor, logit_scale: Tensor,
                labels: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """
        Args:
            video (Tensor): ``[B, C]`` L2-normalised video embeddings.
            text (Tensor): ``[B, C]`` L2-normalised text embeddings, row ``i``
                describing clip ``i``.
            logit_scale (Tensor): 0-d inverse temperature.
            labels (Tensor, optional): ``[B]`` class indices.

        Returns:
            dict: ``loss_v2t`` and ``loss_t2v``.
        """
        video_all, offset = gather_with_grad(video)
        text_all, _ = gather_with_grad(text)
        labels_all = gather_no_grad(labels) if labels is not None else None
        y = self.targets(labels, labels_all, video.shape[0],
                         video_all.shape[0], offset, video.device)
        loss_v2t = soft_cross_entropy(logit_scale * video @ text_all.t(), y)
        loss_t2v = soft_cross_entropy(logit_scale * text @ video_all.t(), y)
        return dict(loss_v2t=self.loss_weight * loss_v2t,
                    loss_t2v=self.loss_weight * loss_t2v)
