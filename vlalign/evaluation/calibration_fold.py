"""The calibration fold of a stage-2 fit: GZSL calibration without unseen
classes and without test samples.

From the training rows of the seen classes, hold out some seen classes
(the protocol's ``val.txt`` when it has one, else a seeded subset) and a
seeded fraction of the rows of the other seen classes. A model fitted on
the remaining rows then scores the held-out rows with the held-out classes
posing as unseen; the calibrated-stacking constant (and SynSE's gate) are
chosen on those scores, and applied after refitting on all seen classes.
The real unseen classes and the test split are never looked at.

This is the scheme of ``tools/benchmark_zeroshot.py``
(:mod:`vlalign.apis.zero_shot_benchmark`: held-out seen classes plus a
``zs_val`` fraction of the training samples), done inside one stage-2
training (:class:`~vlalign.engine.ZSLTrainLoop`) because a stage-2 fit
takes seconds.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from vlalign.classes.class_splits import heldout_calibration_split
from vlalign.utils.errors import ConfigError
from .calibration import select_stacking_gamma


@dataclass(frozen=True)
class CalibrationFold:
    """Classes and training rows of a calibration fold.

    Attributes:
        fit_classes (tuple[str]): Seen classes the fold trains on.
        heldout_classes (tuple[str]): Seen classes posing as unseen.
        fit_idx (np.ndarray): Training rows the fold trains on (of
            ``fit_classes`` only).
        cal_idx (np.ndarray): Rows it is calibrated on: the held-out rows
            of ``fit_classes`` and every row of ``heldout_classes``.
        source (str): ``'val.txt'`` or ``'seeded'``.
    """

    fit_classes: Tuple[str, ...]
    heldout_classes: Tuple[str, ...]
    fit_idx: np.ndarray
    cal_idx: np.ndarray
    source: str


def default_num_heldout(num_seen: int) -> int:
    """20% of the seen classes, at least 1 (``tools/benchmark_zeroshot.py``'s
    default)."""
    return max(1, int(round(0.2 * num_seen)))


def calibration_fold(labels: np.ndarray, classes: Sequence[str],
                     seen: Sequence[str],
                     val: Optional[Sequence[str]] = None,
                     num_heldout: Optional[int] = None,
                     holdout_fraction: float = 0.2,
                     seed: int = 0) -> CalibrationFold:
    """Split the training rows into a calibration fold.

    Args:
        labels (np.ndarray): ``[N]`` labels (indices into ``classes``) of
            the training rows; all of seen classes.
        classes (list[str]): The label space.
        seen (list[str]): The seen classes.
        val (list[str], optional): Validation classes (a subset of
            ``seen``) to hold out; else ``num_heldout`` seen classes are
            drawn with ``seed`` (:func:`heldout_calibration_split`).
        num_heldout (int, optional): Defaults to
            :func:`default_num_heldout`.
        holdout_fraction (float): Rows of each fit class held out for
            calibration. Defaults to ``0.2``.
        seed (int): Seed of both draws.

    Raises:
        ConfigError: If a class list does not fit, or a side is empty.
    """
    labels = np.asarray(labels, dtype=np.int64)
    index = {c: i for i, c in enumerate(classes)}
    if val:
        heldout = tuple(val)
        fit = tuple(c for c in seen if c not in set(heldout))
        source = 'val.txt'
    else:
        k = default_num_heldout(len(seen)) if num_heldout is None \
            else int(num_heldout)
        if not 1 <= k < len(seen):
            raise ConfigError(f'num_heldout must be in [1, {len(seen) - 1}] '
                              f'for {len(seen)} seen classes, got {k}')
        fit, heldout = heldout_calibration_split(list(seen), k, seed)
        source = 'seeded'
    missing = [c for c in fit + heldout if c not in index]
    if missing or not fit or not heldout:
        raise ConfigError(f'calibration fold: classes {missing} unknown, or '
                          'no class left to fit or to hold out')
    rng = np.random.default_rng(seed)
    fit_ids = np.array([index[c] for c in fit])
    held_ids = np.array([index[c] for c in heldout])
    is_fit = np.isin(labels, fit_ids)
    rows = np.flatnonzero(is_fit)
    out = np.zeros(len(labels), dtype=bool)
    # Per class, so every fit class keeps rows on both sides.
    for c in fit_ids:
        r = rows[labels[rows] == c]
        n_out = int(round(holdout_fraction * len(r)))
        n_out = min(max(n_out, 1 if len(r) > 1 else 0), len(r) - 1)
        out[rng.permutation(r)[:n_out]] = True
    fit_idx = np.flatnonzero(is_fit & ~out)
    cal_idx = np.flatnonzero(out | np.isin(labels, held_ids))
    if not np.isin(labels[cal_idx], held_ids).any():
        raise ConfigError('calibration fold: the held-out classes have no '
                          'training rows')
    return CalibrationFold(tuple(fit), tuple(heldout), fit_idx, cal_idx,
                           source)


def select_fold_gamma(scores: np.ndarray, labels: np.ndarray,
                      fit_mask: np.ndarray,
                      heldout_mask: np.ndarray) -> Tuple[float, float]:
    """Calibrated-stacking constant on a fold's calibration rows: the
    columns of the fit and held-out classes only, held-out ones as unseen
    (:func:`~vlalign.evaluation.select_stacking_gamma`).

    Returns:
        tuple: ``(gamma, H)`` on the calibration rows.
    """
    keep = np.asarray(fit_mask, bool) | np.asarray(heldout_mask, bool)
    cols = np.flatnonzero(keep)
    remap = -np.ones(len(keep), dtype=np.int64)
    remap[cols] = np.arange(len(cols))
    y = remap[np.asarray(labels, np.int64)]
    if (y < 0).any():
        raise ValueError('a calibration row is of a class outside the fold')
    return select_stacking_gamma(np.asarray(scores)[:, cols], y,
                                 np.asarray(fit_mask, bool)[cols])
