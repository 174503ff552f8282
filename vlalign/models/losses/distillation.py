"""Knowledge distillation from a teacher's logits: KL with temperature."""
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.registry import LOSSES


def restrict_to_teacher_topk(student_logits: Tensor, teacher_logits: Tensor,
                             top_k: int) -> tuple:
    """Keep only the teacher's ``top_k`` classes of both logit rows.

    Args:
        student_logits (Tensor): ``[B, C]``.
        teacher_logits (Tensor): ``[B, C]``.
        top_k (int): Classes kept per row (at most ``C``).

    Returns:
        tuple[Tensor, Tensor]: Student and teacher logits ``[B, K]`` at the
        teacher's ``K`` highest-scoring classes of each row (same order), so
        a softmax over them renormalises both distributions on those classes.
    """
    k = min(int(top_k), teacher_logits.shape[-1])
    idx = teacher_logits.topk(k, dim=-1).indices
    return student_logits.gather(-1, idx), teacher_logits.gather(-1, idx)


def distillation_kl(student_logits: Tensor, teacher_logits: Tensor,
                    temperature: float = 1.0, top_k: Optional[int] = None,
                    weight: Optional[Tensor] = None) -> Tensor:
    """``T^2 * KL(softmax(t / T) || softmax(s / T))``, averaged over rows.

    Args:
        student_logits (Tensor): ``[B, C]`` student logits (gradients flow).
        teacher_logits (Tensor): ``[B, C]`` teacher logits (detached here).
        temperature (float): Softening temperature ``T``; the ``T^2`` factor
            keeps gradient magnitudes comparable across temperatures
            (Hinton et al., 2015). Defaults to ``1.0``.
        top_k (int, optional): Compare the two distributions only on the
            teacher's ``top_k`` classes, renormalised there. Defaults to
            ``None`` (all classes).
        weight (Tensor, optional): ``[B]`` per-row weights (e.g. ``0`` for
            rows without a teacher); the mean is over their sum. Defaults to
            ``None`` (all ones).

    Returns:
        Tensor: 0-d loss (``0`` when no row has weight).
    """
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f'student logits {tuple(student_logits.shape)} and teacher logits '
            f'{tuple(teacher_logits.shape)} must have the same shape')
    if temperature <= 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')
    teacher_logits = teacher_logits.detach().to(student_logits.dtype)
    if top_k is not None:
        student_logits, teacher_logits = restrict_to_teacher_topk(
            student_logits, teacher_logits, top_k)
    log_p_s = F.log_softmax(student_logits / temperature, dim=-1)
    log_p_t = F.log_softmax(teacher_logits / temperature, dim=-1)
    # sum_c p_t (log p_t - log p_s); p_t = 0 entries contribute 0.
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(-1)
    if weight is None:
        loss = kl.mean()
    else:
        weight = weight.to(kl.dtype)
        loss = (kl * weight).sum() / weight.sum().clamp(min=1e-12)
    return loss * temperature ** 2


@LOSSES.register_module()
class DistillationKLLoss(nn.Module):
    """Distillation from a teacher's logits (see :func:`distillation_kl`).

    Args:
        temperature (float): Temperature ``T``. Defaults to ``1.0``.
        top_k (int, optional): Restrict to the teacher's top-K classes.
            Defaults to ``None``.
        loss_weight (float): Multiplier. Defaults to ``1.0``.
    """

    def __init__(self, temperature: float = 1.0, top_k: Optional[int] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        if top_k is not None and top_k < 1:
            raise ValueError(f'top_k must be >= 1 or None, got {top_k}')
        self.temperature = float(temperature)
        self.top_k = top_k
        self.loss_weight = float(loss_weight)

    def forward(self, student_logits: Tensor, teacher_logits: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            student_logits (Tensor): ``[B, C]``.
            teacher_logits (Tensor): ``[B, C]``.
            weight (Tensor, optional): ``[B]`` row weights. Defaults to
                ``None``.

        Returns:
            Tensor: 0-d weighted loss.
        """
        return self.loss_weight * distillation_kl(
            student_logits, teacher_logits, self.temperature, self.top_k,
            weight)

    def extra_repr(self) -> str:
        return (f'temperature={self.temperature}, top_k={self.top_k}, '
                f'loss_weight={self.loss_weight}')
