"""Calibrated stacking and the choice of its gamma.

The hand case (classes a, b seen; c, d unseen; scores over [a, b, c, d]):

    sample label  scores                gap = best seen - best unseen
    s0     a      [0.6, 0.1, 0.2, 0.1]   0.4  right when predicted seen
    s1     b      [0.5, 0.3, 0.1, 0.1]   0.4  never right (a beats b)
    s2     c      [0.5, 0.1, 0.3, 0.1]   0.2  right when predicted unseen
    s3     d      [0.2, 0.1, 0.3, 0.4]  -0.2  right when predicted unseen

A sample is predicted seen iff gap > gamma:
    gamma < -0.2:        seen 0.5, unseen 0    -> H 0
    -0.2 <= gamma < 0.2: seen 0.5, unseen 0.5  -> H 0.5 (gamma = 0 here)
    0.2 <= gamma < 0.4:  seen 0.5, unseen 1    -> H 2/3 (best)
    gamma >= 0.4:        seen 0,   unseen 1    -> H 0
The default grid is 0, -0.5, the midpoints 0.0 and 0.3, and 0.7: gamma = 0.3.
"""
import inspect

import numpy as np
import pytest
import torch

from vlalign.evaluation import calibrated_stacking, select_stacking_gamma
from vlalign.evaluation.functional import gzsl_accuracy, restrict_to_classes

SCORES = torch.tensor([[0.6, 0.1, 0.2, 0.1],
                       [0.5, 0.3, 0.1, 0.1],
                       [0.5, 0.1, 0.3, 0.1],
                       [0.2, 0.1, 0.3, 0.4]])
LABELS = torch.tensor([0, 1, 2, 3])
SEEN = np.array([True, True, False, False])


def test_calibrated_stacking_subtracts_from_seen():
    out = calibrated_stacking(SCORES, SEEN, 0.3)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out[:, :2], SCORES[:, :2] - 0.3)
    torch.testing.assert_close(out[:, 2:], SCORES[:, 2:])
    np_out = calibrated_stacking(SCORES.numpy(), torch.from_numpy(SEEN), 0.3)
    assert isinstance(np_out, np.ndarray)
    np.testing.assert_allclose(np_out, out.numpy(), rtol=0, atol=1e-7)
    assert SCORES[0, 0] == pytest.approx(0.6)  # input untouched


def test_gamma_zero_is_uncalibrated():
    torch.testing.assert_close(calibrated_stacking(SCORES, SEEN, 0.0), SCORES)
    scores = np.random.default_rng(0).random((20, 6))
    labels = np.arange(20) % 6
    mask = np.arange(6) < 4
    assert gzsl_accuracy(calibrated_stacking(scores, mask, 0), labels, mask) \
        == gzsl_accuracy(scores, labels, mask)


def test_select_gamma_hand_case():
    gamma, h = select_stacking_gamma(SCORES, LABELS, SEEN)
    assert gamma == pytest.approx(0.3) and h == pytest.approx(2 / 3)
    # An explicit grid: only its points are tried.
    gamma, h = select_stacking_gamma(SCORES, LABELS, SEEN, grid=[-1, 0, 1])
    assert gamma == 0 and h == pytest.approx(0.5)


def test_select_gamma_prefers_zero_when_calibration_does_not_help():
    scores = np.array([[0.9, 0.1, 0.0, 0.0],
                       [0.0, 0.0, 0.8, 0.2]])
    gamma, h = select_stacking_gamma(scores, [0, 2], SEEN)
    assert gamma == 0.0 and h == 1.0


def test_select_gamma_is_the_best_on_a_dense_search():
    """The exact grid finds H at least as high as brute force over many
    gammas, each applied with calibrated_stacking."""
    rng = np.random.default_rng(3)
    num, classes = 300, 10
    labels = rng.integers(0, classes, num)
    seen = np.arange(classes) < 6
    scores = rng.normal(size=(num, classes))
    scores[np.arange(num), labels] += 1.5   # informative scores...
    scores[:, seen] += 1.0                  # ...biased to seen classes
    gamma, h = select_stacking_gamma(scores, labels, seen)
    brute = max(gzsl_accuracy(calibrated_stacking(scores, seen, g), labels,
                              seen)[2] for g in np.linspace(-3, 5, 801))
    assert h >= brute - 1e-12
    assert h > gzsl_accuracy(scores, labels, seen)[2]  # calibration helps
    assert h == gzsl_accuracy(calibrated_stacking(scores, seen, gamma),
                              labels, seen)[2]
    assert gamma > 0.5  # it undoes (most of) the seen bias


def test_select_gamma_takes_only_the_calibration_set():
    # API level: the only inputs are calibration scores, labels and the
    # mask (with held-out seen classes marked unseen); nothing else can leak.
    params = list(inspect.signature(select_stacking_gamma).parameters)
    assert params == ['scores', 'labels', 'seen_mask', 'grid']
    # Workflow: 4 train-seen classes, 2 held-out seen, 3 real unseen.
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(90, 9))
    labels = np.arange(90) % 9
    scores[np.arange(90), labels] += 2.0
    scores[:, :4] += 1.0
    cal_classes = np.arange(6)              # train-seen + held-out
    cal_scores, cal_labels = restrict_to_classes(scores, labels, cal_classes)
    before = cal_scores.copy()
    gamma, _ = select_stacking_gamma(cal_scores, cal_labels,
                                     np.arange(6) < 4)
    np.testing.assert_array_equal(cal_scores, before)  # inputs not modified
    # Changing the real unseen classes' scores cannot move gamma.
    scores[:, 6:] = rng.normal(size=(90, 3))
    cal2, lab2 = restrict_to_classes(scores, labels, cal_classes)
    assert select_stacking_gamma(cal2, lab2, np.arange(6) < 4)[0] == gamma


def test_select_gamma_needs_both_sides():
    with pytest.raises(ValueError, match='both seen and'):
        select_stacking_gamma(SCORES[:2], LABELS[:2], SEEN)


def test_select_calibration_gamma_by_name():
    """The hand case with names: c, d held out (posing as unseen)."""
    from vlalign.evaluation import select_calibration_gamma
    names = ['a', 'b', 'c', 'd']
    assert select_calibration_gamma(SCORES, LABELS, names, ['c', 'd']) == \
        select_stacking_gamma(SCORES, LABELS, torch.tensor([1, 1, 0, 0]).bool())
    # the held-out list decides the sides, whatever its order
    assert select_calibration_gamma(SCORES, LABELS, names, ['d', 'c'])[0] == \
        pytest.approx(0.3)
    with pytest.raises(ValueError, match=r"held-out classes \['e'\]"):
        select_calibration_gamma(SCORES, LABELS, names, ['e'])
    with pytest.raises(ValueError, match='trained and held-out'):
        select_calibration_gamma(SCORES, LABELS, names, names)
