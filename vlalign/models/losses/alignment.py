"""Frame-wise alignment losses between predicted and target embeddings.

Every loss takes ``pred`` and ``target`` ``[B, T, E]`` and an optional
``mask`` ``[B, T]`` (True on real frames): it is a per-frame value averaged
over the real frames only, so padding changes nothing.
"""
from abc import ABCMeta, abstractmethod
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.registry import LOSSES


def masked_frame_mean(per_frame: Tensor, mask: Optional[Tensor]) -> Tensor:
    """Mean of ``per_frame`` ``[B, T]`` over the frames where ``mask`` is
    True (all frames if ``mask`` is ``None``); ``0`` when none is."""
    if mask is None:
        return per_frame.mean()
    m = mask.to(per_frame.dtype)
    return (per_frame * m).sum() / m.sum().clamp(min=1)


def frame_mse(pred: Tensor, target: Tensor) -> Tensor:
    """Per-frame mean squared error over channels: ``[B, T]``."""
    return (pred - target).pow(2).mean(-1)


def frame_cosine(pred: Tensor, target: Tensor, eps: float = 1e-8) -> Tensor:
    """Per-frame cosine similarity: ``[B, T]``."""
    return F.cosine_similarity(pred, target, dim=-1, eps=eps)


class _FrameAlignmentLoss(nn.Module, metaclass=ABCMeta):
    """Base: ``loss_weight * masked mean of self.per_frame(pred, target)``."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    @abstractmethod
    def per_frame(self, pred: Tensor, target: Tensor) -> Tensor:
        """Per-frame loss ``[B, T]`` of ``pred`` and ``target`` ``[B, T, E]``."""

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """Args:
            pred (Tensor): ``[B, T, E]``.
            target (Tensor): ``[B, T, E]``.
            mask (Tensor, optional): ``[B, T]`` bool. Defaults to ``None``.

        Returns:
            Tensor: Scalar loss.
        """
        if pred.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: pred {tuple(pred.shape)}'
                             f' and target {tuple(target.shape)} differ')
        return self.loss_weight * masked_frame_mean(
            self.per_frame(pred, target), mask)


@LOSSES.register_module()
class MSEAlignmentLoss(_FrameAlignmentLoss):
    """Mean squared error (over channels, then real frames).

    Args:
        loss_weight (float): Defaults to ``1.0``.
    """

    def per_frame(self, pred: Tensor, target: Tensor) -> Tensor:
        return frame_mse(pred, target)


@LOSSES.register_module()
class CosineAlignmentLoss(_FrameAlignmentLoss):
    """``1 - cos(pred, target)`` averaged over real frames.

    Args:
        loss_weight (float): Defaults to ``1.0``.
    """

    def per_frame(self, pred: Tensor, target: Tensor) -> Tensor:
        return 1 - frame_cosine(pred, target)


@LOSSES.register_module()
class SmoothL1AlignmentLoss(_FrameAlignmentLoss):
    """Smooth L1 (Huber with ``beta``) over channels, then real frames.

    Args:
        beta (float): Quadratic below ``beta``, linear above. Defaults to
            ``1.0``.
        loss_weight (float): Defaults to ``1.0``.
    """

    def __init__(self, beta: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.beta = beta

    def per_frame(self, pred: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(pred, target, reduction='none',
                                beta=self.beta).mean(-1)


@LOSSES.register_module()
class AdaptiveAlignmentLoss(_FrameAlignmentLoss):
    """``alpha * (1 - cos) + (1 - alpha) * MSE``: direction and scale.

    The cosine term aligns the direction with the label embedding (what
    retrieval and zero-shot scoring use); the MSE term also fixes its norm.

    Args:
        alpha (float): Weight of the cosine term, in ``[0, 1]``. Defaults to
            ``0.7`` (the original setting).
        loss_weight (float): Defaults to ``1.0``.
    """

    def __init__(self, alpha: float = 0.7, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if not 0 <= alpha <= 1:
            raise ValueError(f'alpha must lie in [0, 1], got {alpha}')
        self.alpha = alpha

    def per_frame(self, pred: Tensor, target: Tensor) -> Tensor:
        return (self.alpha * (1 - frame_cosine(pred, target)) +
                (1 - self.alpha) * frame_mse(pred, target))


# Short names -> loss types, for tools that pick a loss by name.
ALIGNMENT_LOSSES = dict(adaptive='AdaptiveAlignmentLoss',
                        mse='MSEAlignmentLoss',
                        cosine='CosineAlignmentLoss',
                        smooth_l1='SmoothL1AlignmentLoss')
