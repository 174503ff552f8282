"""The distillation KL loss: hand-computed values, agreement, top-K."""
import math

import pytest
import torch

from vlalign.models.losses import DistillationKLLoss, distillation_kl
from vlalign.registry import LOSSES


def _softmax(xs, t):
    e = [math.exp(x / t) for x in xs]
    return [v / sum(e) for v in e]


def test_equals_hand_computed_value() -> None:
    s, t, temp = [1.0, 0.0, -1.0], [0.0, 2.0, 0.0], 2.0
    p_s, p_t = _softmax(s, temp), _softmax(t, temp)
    expected = temp ** 2 * sum(pt * math.log(pt / ps)
                               for pt, ps in zip(p_t, p_s))
    loss = distillation_kl(torch.tensor([s]), torch.tensor([t]), temp)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # the registered module (with a weight) and a batch mean
    module = LOSSES.build(dict(type='DistillationKLLoss', temperature=temp,
                               loss_weight=0.5))
    batch = module(torch.tensor([s, t]), torch.tensor([t, t]))
    assert batch.item() == pytest.approx(0.5 * expected / 2, rel=1e-6)


def test_zero_when_student_and_teacher_agree() -> None:
    logits = torch.randn(4, 7)
    for top_k in (None, 3):
        loss = distillation_kl(logits, logits.clone(), 3.0, top_k)
        assert loss.abs().item() < 1e-6
    # shifting logits does not change the distribution
    assert distillation_kl(logits + 5.0, logits, 1.5).abs().item() < 1e-5


def test_topk_only_looks_at_k_classes() -> None:
    torch.manual_seed(0)
    teacher = torch.randn(3, 10)
    student = torch.randn(3, 10, requires_grad=True)
    k = 4
    loss = distillation_kl(student, teacher, 2.0, top_k=k)
    loss.backward()
    top = teacher.topk(k, dim=-1).indices
    in_top = torch.zeros(3, 10, dtype=torch.bool).scatter_(1, top, True)
    assert (student.grad[~in_top] == 0).all()
    assert (student.grad[in_top] != 0).any()
    # changing the student (or teacher) outside the top-K changes nothing
    other = student.detach().clone()
    other[~in_top] += torch.randn(int((~in_top).sum())) * 10
    assert distillation_kl(other, teacher, 2.0, top_k=k).item() == \
        pytest.approx(loss.item(), rel=1e-6)
    # hand-computed: both distributions renormalised over the K classes
    row_s, row_t = student[0, top[0]].tolist(), teacher[0, top[0]].tolist()
    p_s, p_t = _softmax(row_s, 2.0), _softmax(row_t, 2.0)
    first = 4.0 * sum(a * math.log(a / b) for a, b in zip(p_t, p_s))
    per_row = distillation_kl(student[:1], teacher[:1], 2.0, top_k=k)
    assert per_row.item() == pytest.approx(first, rel=1e-5)
    # K = C is the full loss
    assert distillation_kl(student, teacher, 2.0, top_k=10).item() == \
        pytest.approx(distillation_kl(student, teacher, 2.0).item(), rel=1e-6)


def test_row_weights_mask_rows_and_teacher_gets_no_gradient() -> None:
    student = torch.randn(2, 5, requires_grad=True)
    teacher = torch.randn(2, 5, requires_grad=True)
    masked = DistillationKLLoss(2.0)(student, teacher,
                                     weight=torch.tensor([1.0, 0.0]))
    assert masked.item() == pytest.approx(
        distillation_kl(student[:1], teacher[:1], 2.0).item(), rel=1e-6)
    masked.backward()
    assert teacher.grad is None and (student.grad[1] == 0).all()
    none = distillation_kl(student, teacher, 2.0, weight=torch.zeros(2))
    assert none.item() == 0.0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match='same shape'):
        distillation_kl(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match='temperature'):
        DistillationKLLoss(temperature=0)
    with pytest.raises(ValueError, match='top_k'):
        DistillationKLLoss(top_k=0)
