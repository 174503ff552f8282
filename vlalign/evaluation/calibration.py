"""Calibrated stacking for generalised zero-shot recognition.

A model trained on seen classes scores them higher than unseen ones, so in
GZSL (all classes compete) most unseen samples are taken for seen classes.
Calibrated stacking (Chao et al., "An Empirical Study and Analysis of
Generalized Zero-Shot Learning for Object Recognition in the Wild",
ECCV 2016) subtracts a constant ``gamma`` from every seen-class score.

``gamma`` must be chosen without the test set and without unseen classes.
vlalign's scheme (``tools/benchmark_zeroshot.py``, docs/zero_shot.md):

1. The *calibration model* is a separate training on the seen classes
   minus some held-out seen classes (the protocol's ``val.txt``, or a
   seeded subset: :meth:`vlalign.classes.ZeroShotProtocol.calibration_split`),
   on most of the training samples.
2. It scores the training samples it did not train on (held-out samples of
   the trained seen classes and samples of the held-out classes) over the
   seen classes only; the held-out classes pose as unseen and
   :func:`select_calibration_gamma` picks the ``gamma`` maximising their
   harmonic mean.
3. That ``gamma`` is applied to the *ZSL model* (trained on every seen
   class) at test time: ``ZeroShotMetric(calibration_gamma=gamma)``.

No unseen class, unseen sample or test sample takes part. Any recognizer
that scores classes can use steps 2-3 (e.g. a two-stage baseline)::

    gamma, h = select_calibration_gamma(cal_scores, cal_labels,
                                        cal_class_names, heldout_classes)

Scores are best given as logits (e.g. cosine similarity times the logit
scale) rather than softmax probabilities: a logit does not depend on how
many classes compete, so a constant found among the calibration classes
carries over to the larger test label space; a probability shrinks as
classes are added.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .functional import ArrayLike, gzsl_accuracy, to_numpy

Scores = Union[np.ndarray, torch.Tensor]


def calibrated_stacking(scores: Scores, seen_mask: ArrayLike,
                        gamma: float) -> Scores:
    """Subtract ``gamma`` from the scores of seen classes.

    Args:
        scores (Tensor | np.ndarray): ``[N, L]`` over all classes.
        seen_mask (ArrayLike): Bool ``[L]``, ``True`` for seen classes.
        gamma (float): Calibration constant; ``0`` leaves scores unchanged.

    Returns:
        Tensor | np.ndarray: ``[N, L]``, of the type of ``scores`` (a new
        array; ``scores`` is not modified).
    """
    if isinstance(scores, torch.Tensor):
        mask = torch.as_tensor(to_numpy(seen_mask).astype(bool),
                               device=scores.device)
        return scores - gamma * mask.to(scores.dtype)
    scores = np.asarray(scores)
    mask = to_numpy(seen_mask).astype(bool)
    return scores - gamma * mask.astype(scores.dtype if scores.dtype.kind == 'f'
                                        else np.float64)


def _gaps(scores: np.ndarray, labels: np.ndarray, seen: np.ndarray):
    """Per-sample gap best-seen minus best-unseen score, and whether the
    sample is right when predicted on the seen / unseen side."""
    seen_idx, unseen_idx = np.flatnonzero(seen), np.flatnonzero(~seen)
    s_scores, u_scores = scores[:, seen_idx], scores[:, unseen_idx]
    s_arg = seen_idx[s_scores.argmax(1)]
    u_arg = unseen_idx[u_scores.argmax(1)]
    gap = s_scores.max(1) - u_scores.max(1)
    return gap, s_arg == labels, u_arg == labels


def select_stacking_gamma(scores: ArrayLike, labels: ArrayLike,
                          seen_mask: ArrayLike,
                          grid: Optional[Sequence[float]] = None
                          ) -> Tuple[float, float]:
    """Choose ``gamma`` maximising the GZSL harmonic mean on a calibration set.

    Give it a CALIBRATION set: held-out seen classes playing the unseen ones
    (see the module docstring), never the test set, whose labels would leak
    into the reported figure. The function only sees what it is passed.

    Only the gap ``g_i`` (best seen minus best unseen score of sample ``i``)
    decides whether calibration moves a prediction: sample ``i`` is
    predicted on the seen side iff ``g_i > gamma``. ``H`` is therefore
    constant between consecutive sorted gaps, and the default grid is exact:
    ``0``, the midpoints between consecutive unique gaps, and one point
    below the smallest and above the largest gap. Every distinct outcome is
    evaluated (``O(N log N)`` with cumulative sums), unlike a linspace that
    can step over a narrow optimum. Ties in ``H`` go to the smallest
    ``|gamma|`` (the least change; ``0`` when calibration does not help).

    Args:
        scores (ArrayLike): ``[N, L]`` calibration scores.
        labels (ArrayLike): ``[N]`` labels in ``[0, L)``.
        seen_mask (ArrayLike): Bool ``[L]``, ``True`` for classes treated as
            seen, ``False`` for those treated as unseen.
        grid (list[float], optional): Candidate values of ``gamma``.
            Defaults to ``None`` (the exact grid above). A candidate equal
            to a sample's gap counts that sample as predicted unseen.

    Returns:
        tuple: ``(gamma, H)``, ``H`` being the harmonic mean of
        :func:`vlalign.evaluation.functional.gzsl_accuracy` on the
        calibrated scores.

    Raises:
        ValueError: If seen or unseen classes have no samples.
    """
    np_scores = to_numpy(scores).astype(np.float64)
    np_labels = to_numpy(labels).astype(np.int64).reshape(-1)
    seen = to_numpy(seen_mask).astype(bool).reshape(-1)
    if np_scores.ndim != 2 or seen.shape != (np_scores.shape[1], ):
        raise ValueError(f'scores must be [N, L] and seen_mask [L], got '
                         f'{tuple(np_scores.shape)} and {tuple(seen.shape)}')
    label_seen = seen[np_labels]
    if label_seen.all() or not label_seen.any():
        raise ValueError('the calibration set needs samples of both seen and '
                         '(held-out, treated as) unseen classes')
    gap, right_if_seen, right_if_unseen = _gaps(np_scores, np_labels, seen)

    # Weight of a sample = 1 / (its class size * classes on its side), so the
    # weighted counts below are mean per-class accuracies.
    counts = np.bincount(np_labels, minlength=len(seen))
    n_seen_cls = np.count_nonzero(counts[seen])
    n_unseen_cls = np.count_nonzero(counts[~seen])
    weight = 1.0 / (counts[np_labels] *
                    np.where(label_seen, n_seen_cls, n_unseen_cls))

    if grid is None:
        uniq = np.unique(gap)
        step = (uniq[-1] - uniq[0]) / (len(uniq) - 1) if len(uniq) > 1 else 1.0
        step = step if step > 0 else 1.0
        grid_arr = np.concatenate([[0.0, uniq[0] - step],
                                   (uniq[:-1] + uniq[1:]) / 2,
                                   [uniq[-1] + step]])
    else:
        grid_arr = np.asarray(list(grid), dtype=np.float64).reshape(-1)
        if grid_arr.size == 0:
            raise ValueError('grid is empty')

    # acc_seen(gamma): weight of seen samples right on the seen side with
    # gap > gamma; acc_unseen(gamma): unseen samples right on the unseen
    # side with gap <= gamma.
    s_sel = label_seen & right_if_seen
    u_sel = ~label_seen & right_if_unseen
    s_order = np.argsort(gap[s_sel], kind='stable')
    u_order = np.argsort(gap[u_sel], kind='stable')
    s_gap, u_gap = gap[s_sel][s_order], gap[u_sel][u_order]
    # Leading 0: cum[k] is the weight of the k smallest gaps.
    s_cum = np.concatenate([[0.0], np.cumsum(weight[s_sel][s_order])])
    u_cum = np.concatenate([[0.0], np.cumsum(weight[u_sel][u_order])])
    acc_s = s_cum[-1] - s_cum[np.searchsorted(s_gap, grid_arr, side='right')]
    acc_u = u_cum[np.searchsorted(u_gap, grid_arr, side='right')]
    with np.errstate(invalid='ignore', divide='ignore'):
        h = np.where(acc_s + acc_u > 0, 2 * acc_s * acc_u / (acc_s + acc_u), 0.0)

    # Best H; among (numerically) equal ones the smallest |gamma|.
    best = np.flatnonzero(h >= h.max() - 1e-12)
    gamma = float(grid_arr[best[np.argmin(np.abs(grid_arr[best]))]])
    # Report H as applying gamma gives it, not the cumulative-sum estimate.
    _, _, h_best = gzsl_accuracy(calibrated_stacking(np_scores, seen, gamma),
                                 np_labels, seen)
    return gamma, h_best


def select_calibration_gamma(scores: ArrayLike, labels: ArrayLike,
                             class_names: Sequence[str],
                             heldout_classes: Sequence[str],
                             grid: Optional[Sequence[float]] = None
                             ) -> Tuple[float, float]:
    """:func:`select_stacking_gamma` with the classes given by name.

    The calibration step of the scheme in the module docstring: a
    calibration model's scores on samples it was not trained on, over its
    calibration label space (the seen classes it trained on plus the
    held-out seen classes), with the held-out ones posing as unseen.

    Args:
        scores (ArrayLike): ``[N, L]`` over ``class_names``.
        labels (ArrayLike): ``[N]`` in ``[0, L)``.
        class_names (list[str]): ``L`` names, index = label: trained seen
            classes and held-out seen classes, never a real unseen class.
        heldout_classes (list[str]): The held-out names (a subset of
            ``class_names``), treated as unseen.
        grid (list[float], optional): See :func:`select_stacking_gamma`.

    Returns:
        tuple: ``(gamma, H)`` to apply to the ZSL model's test scores (in
        the same score space, e.g. logits).

    Raises:
        ValueError: If a held-out name is not in ``class_names``, none or
            all classes are held out, or a side has no sample.
    """
    names = list(class_names)
    unknown = [n for n in heldout_classes if n not in set(names)]
    if unknown:
        raise ValueError(f'held-out classes {unknown} are not among the '
                         f'calibration classes {names}')
    held = set(heldout_classes)
    seen_mask = np.array([n not in held for n in names], dtype=bool)
    if seen_mask.all() or not seen_mask.any():
        raise ValueError('a calibration set needs trained and held-out '
                         f'classes; got {len(held)} held out of {len(names)}')
    return select_stacking_gamma(scores, labels, seen_mask, grid=grid)
