"""Alignment losses against hand-computed values; padding is ignored."""
import pytest
import torch

from vlalign.models.losses.alignment import (AdaptiveAlignmentLoss,
                                             CosineAlignmentLoss,
                                             MSEAlignmentLoss,
                                             SmoothL1AlignmentLoss)
from vlalign.registry import LOSSES

# Frame 0 is perfect; frame 1: pred (0, 2) vs target (1, 0):
#   cos = 0, MSE = (1 + 4) / 2 = 2.5, smooth L1 = (0.5 + 1.5) / 2 = 1.0.
PRED = torch.tensor([[[1., 0.], [0., 2.]]])
TARGET = torch.tensor([[[1., 0.], [1., 0.]]])
EXPECTED = dict(MSEAlignmentLoss=1.25, CosineAlignmentLoss=0.5,
                SmoothL1AlignmentLoss=0.5,
                AdaptiveAlignmentLoss=0.7 * 0.5 + 0.3 * 1.25)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_loss_hand_computed(name: str) -> None:
    loss = LOSSES.build(dict(type=name))
    assert loss(PRED, TARGET).item() == pytest.approx(EXPECTED[name])
    mask = torch.ones(1, 2, dtype=torch.bool)
    assert loss(PRED, TARGET, mask).item() == pytest.approx(EXPECTED[name])


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_padded_frames_change_nothing(name: str) -> None:
    loss = LOSSES.build(dict(type=name))
    # two garbage frames of padding, in pred and target alike
    pred = torch.cat([PRED, torch.randn(1, 2, 2) * 100], 1)
    target = torch.cat([TARGET, torch.randn(1, 2, 2)], 1)
    mask = torch.tensor([[True, True, False, False]])
    assert loss(pred, target, mask).item() == pytest.approx(EXPECTED[name])
    # gradients never reach padded frames
    pred.requires_grad_(True)
    loss(pred, target, mask).backward()
    assert pred.grad[0, 2:].abs().sum() == 0


def test_mask_averages_over_real_frames_of_the_batch() -> None:
    # video 1: frames (perfect, cos 0); video 2: one frame with cos 0 + pad
    pred = torch.cat([PRED, torch.tensor([[[0., 1.], [5., 5.]]])])
    target = torch.cat([TARGET, torch.tensor([[[1., 0.], [0., 0.]]])])
    mask = torch.tensor([[True, True], [True, False]])
    # 1 - cos over the 3 real frames: (0 + 1 + 1) / 3
    assert CosineAlignmentLoss()(pred, target, mask).item() == \
        pytest.approx(2 / 3)


def test_adaptive_alpha_and_weights() -> None:
    assert AdaptiveAlignmentLoss(alpha=1.0)(PRED, TARGET).item() == \
        pytest.approx(0.5)
    assert AdaptiveAlignmentLoss(alpha=0.0)(PRED, TARGET).item() == \
        pytest.approx(1.25)
    assert MSEAlignmentLoss(loss_weight=2.0)(PRED, TARGET).item() == \
        pytest.approx(2.5)
    assert SmoothL1AlignmentLoss(beta=2.0)(PRED, TARGET).item() == \
        pytest.approx((0.25 + 1.0) / 2 / 2)  # 0.5 x^2 / beta: 0.25, 1.0
    with pytest.raises(ValueError, match='alpha'):
        AdaptiveAlignmentLoss(alpha=1.5)
    with pytest.raises(ValueError, match='differ'):
        MSEAlignmentLoss()(PRED, TARGET[..., :1])
