"""Accuracy computations of zero-shot evaluation, without a Runner.

Every function takes scores ``[N, L]`` / predictions ``[N]`` / labels
``[N]`` as torch tensors, numpy arrays or lists, computes in float64 numpy
and returns python floats or numpy arrays, so metrics, CLIs and notebooks
share one implementation. Quantities undefined for the input (no sample of
a class subset) are ``nan``, never a silent ``0``.

GZSL follows Xian et al. ("Zero-Shot Learning - A Comprehensive Evaluation
of the Good, the Bad and the Ugly", TPAMI 2018): predictions are taken over
all classes; accuracy on seen (unseen) samples is the mean over seen
(unseen) classes of per-class top-1 accuracy; ``H`` is their harmonic mean.
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def to_numpy(x: ArrayLike) -> np.ndarray:
    """A numpy array of a tensor (detached, on CPU), array or list."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _scores_labels(scores: ArrayLike,
                   labels: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    scores = to_numpy(scores).astype(np.float64)
    labels = to_numpy(labels).astype(np.int64).reshape(-1)
    if scores.ndim != 2 or scores.shape[0] != labels.shape[0]:
        raise ValueError(f'scores must be [N, L] and labels [N], got '
                         f'{tuple(scores.shape)} and {tuple(labels.shape)}')
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f'labels must lie in [0, {scores.shape[1]}), got '
                         f'{labels.min()}..{labels.max()}')
    return scores, labels


def _class_indices(classes: Optional[ArrayLike], num_classes: int) -> np.ndarray:
    """Class indices from ``None`` (all), a bool mask ``[L]`` or indices."""
    if classes is None:
        return np.arange(num_classes)
    idx = to_numpy(classes)
    if idx.dtype == bool:
        if idx.shape != (num_classes, ):
            raise ValueError(f'class mask must be [{num_classes}], got '
                             f'{tuple(idx.shape)}')
        return np.flatnonzero(idx)
    return idx.astype(np.int64).reshape(-1)


def restrict_to_classes(scores: ArrayLike, labels: ArrayLike,
                        classes: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Keep the samples of ``classes`` and the score columns of ``classes``.

    Args:
        scores (ArrayLike): ``[N, L]``.
        labels (ArrayLike): ``[N]`` in ``[0, L)``.
        classes (ArrayLike): ``K`` class indices, or a bool mask ``[L]``.

    Returns:
        tuple: Scores ``[M, K]`` and labels ``[M]`` renumbered to the
        position of their class in ``classes``.
    """
    scores, labels = _scores_labels(scores, labels)
    idx = _class_indices(classes, scores.shape[1])
    position = np.full(scores.shape[1], -1, dtype=np.int64)
    position[idx] = np.arange(len(idx))
    keep = position[labels] >= 0
    return scores[keep][:, idx], position[labels[keep]]


def topk_accuracy(scores: ArrayLike, labels: ArrayLike,
                  topk: Union[int, Sequence[int]] = (1, ),
                  classes: Optional[ArrayLike] = None) -> List[float]:
    """Fraction of samples whose label is among the ``k`` best scores.

    Args:
        scores (ArrayLike): ``[N, L]``.
        labels (ArrayLike): ``[N]``.
        topk (int | list[int]): Values of ``k``; a ``k`` above the number of
            classes counts every sample correct. Defaults to ``(1, )``.
        classes (ArrayLike, optional): Restrict to these classes (indices or
            bool mask ``[L]``): only their samples, ranked among only their
            columns (the ZSL protocol on unseen classes). Defaults to
            ``None`` (all).

    Returns:
        list[float]: One accuracy per ``k``; ``nan`` without samples.
    """
    topk = (topk, ) if isinstance(topk, int) else tuple(topk)
    if classes is not None:
        scores, labels = restrict_to_classes(scores, labels, classes)
    else:
        scores, labels = _scores_labels(scores, labels)
    if labels.size == 0:
        return [float('nan')] * len(topk)
    # Rank of the label in a stable descending sort: ties go to the lower
    # class index, as argmax breaks them, so top-1 agrees with argmax.
    label_score = scores[np.arange(len(labels)), labels][:, None]
    lower = np.arange(scores.shape[1])[None] < labels[:, None]
    rank = ((scores > label_score) | ((scores == label_score) & lower)).sum(1)
    return [float((rank < k).mean()) for k in topk]


def per_class_accuracy(preds: ArrayLike, labels: ArrayLike,
                       num_classes: int) -> np.ndarray:
    """Top-1 accuracy of each class, ``[num_classes]``; ``nan`` for a class
    without samples."""
    preds = to_numpy(preds).astype(np.int64).reshape(-1)
    labels = to_numpy(labels).astype(np.int64).reshape(-1)
    total = np.bincount(labels, minlength=num_classes)[:num_classes]
    correct = np.bincount(labels[preds == labels],
                          minlength=num_classes)[:num_classes]
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, correct / np.maximum(total, 1), np.nan)


def mean_class_accuracy(preds: ArrayLike, labels: ArrayLike, num_classes: int,
                        classes: Optional[ArrayLike] = None) -> float:
    """Mean of per-class top-1 accuracy over ``classes`` that have samples.

    Args:
        preds (ArrayLike): Predicted class ``[N]`` (argmax over all
            classes; this function does not restrict the prediction).
        labels (ArrayLike): ``[N]``.
        num_classes (int): ``L``.
        classes (ArrayLike, optional): Indices or bool mask ``[L]`` of the
            classes averaged over. Defaults to ``None`` (all).

    Returns:
        float: ``nan`` when no class of ``classes`` has samples.
    """
    acc = per_class_accuracy(preds, labels, num_classes)
    acc = acc[_class_indices(classes, num_classes)]
    acc = acc[~np.isnan(acc)]
    return float(acc.mean()) if acc.size else float('nan')


def harmonic_mean(a: float, b: float) -> float:
    """``2ab / (a + b)``; ``0`` when both are ``0``, ``nan`` if either is."""
    if np.isnan(a) or np.isnan(b):
        return float('nan')
    return 0.0 if a + b == 0 else float(2 * a * b / (a + b))


def gzsl_accuracy(scores: ArrayLike, labels: ArrayLike,
                  seen_mask: ArrayLike) -> Tuple[float, float, float]:
    """Generalised zero-shot accuracies: every sample competes over all classes.

    Args:
        scores (ArrayLike): ``[N, L]`` over seen and unseen classes.
        labels (ArrayLike): ``[N]``.
        seen_mask (ArrayLike): Bool ``[L]``, ``True`` for seen classes.

    Returns:
        tuple: ``(acc_seen, acc_unseen, H)``: mean per-class top-1 accuracy
        over seen classes and over unseen classes (classes with samples),
        and their harmonic mean.
    """
    scores, labels = _scores_labels(scores, labels)
    seen_mask = to_numpy(seen_mask).astype(bool).reshape(-1)
    if seen_mask.shape != (scores.shape[1], ):
        raise ValueError(f'seen_mask must be [{scores.shape[1]}], got '
                         f'{tuple(seen_mask.shape)}')
    preds = scores.argmax(1)
    num = scores.shape[1]
    acc_s = mean_class_accuracy(preds, labels, num, seen_mask)
    acc_u = mean_class_accuracy(preds, labels, num, ~seen_mask)
    return acc_s, acc_u, harmonic_mean(acc_s, acc_u)


def confusion_matrix(preds: ArrayLike, labels: ArrayLike, num_classes: int,
                     normalize: Optional[str] = None) -> np.ndarray:
    """Confusion matrix ``[L, L]``: row = true class, column = predicted.

    Args:
        preds (ArrayLike): ``[N]`` predicted classes.
        labels (ArrayLike): ``[N]`` true classes.
        num_classes (int): ``L``.
        normalize (str, optional): ``'true'`` divides rows by their sum
            (the diagonal is per-class recall; rows without samples stay
            0), ``'pred'`` columns, ``'all'`` the total, ``None`` keeps
            counts. Defaults to ``None``.

    Returns:
        np.ndarray: ``[L, L]``, int64 counts or float64 fractions.
    """
    preds = to_numpy(preds).astype(np.int64).reshape(-1)
    labels = to_numpy(labels).astype(np.int64).reshape(-1)
    if preds.shape != labels.shape:
        raise ValueError(f'preds {preds.shape} and labels {labels.shape} '
                         'differ in length')
    for name, x in (('preds', preds), ('labels', labels)):
        if x.size and (x.min() < 0 or x.max() >= num_classes):
            raise ValueError(f'{name} must lie in [0, {num_classes})')
    cm = np.bincount(labels * num_classes + preds,
                     minlength=num_classes * num_classes).reshape(
                         num_classes, num_classes)
    if normalize is None:
        return cm
    axis = dict(true=1, pred=0, all=None)
    if normalize not in axis:
        raise ValueError(f'normalize must be "true", "pred", "all" or None, '
                         f'got {normalize!r}')
    total = cm.sum(axis=axis[normalize], keepdims=normalize != 'all')
    return cm / np.maximum(total, 1)
