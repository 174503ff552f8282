"""Score-level fusion of the streams of a multi-stream recipe.

Each stream (joint, bone, joint motion, bone motion) is trained and tested
on its own; ``tools/test.py CONFIG CKPT --dump stream.pkl`` writes what the
model predicted through mmengine's ``DumpResults``: a list with one dict per
test sample, in dataset order, holding ``pred_score`` (Tensor ``[L]``, the
softmax averaged over clips with ``test_cfg.average_clips='prob'``, the
default), ``pred_label`` and ``gt_label`` (Tensor ``[1]``), plus the
sample's meta keys. The score columns follow the class order of the test
dataset: the label file's order (``class_file``), or the ``class_subset``
order when one is set, so dumps can only be fused when they come from test
sets with the same classes in the same order.

Fusion is the weighted sum of the streams' score matrices, as mmaction2's
``tools/analysis_tools/report_accuracy.py`` does with ``--coefficients``;
``tools/analysis/fuse_scores.py`` prints the accuracies of each stream and
of the fusion.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from vlalign.datasets.pose_io import read_pickle
from vlalign.utils.errors import DataError
from .functional import (ArrayLike, gzsl_accuracy, mean_class_accuracy,
                         restrict_to_classes, to_numpy, topk_accuracy)


def load_dumped_scores(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Scores and labels of a ``DumpResults`` pickle.

    Args:
        path (str): The ``--dump`` file of ``tools/test.py``.

    Returns:
        tuple: ``scores`` float64 ``[N, L]`` (columns in the test dataset's
        class order) and ``labels`` int64 ``[N]``.

    Raises:
        DataError: Missing or unreadable file, not a list of dicts with
            ``pred_score`` and ``gt_label``, multi-label ground truth, or
            score vectors of different lengths; the message names the file
            and the sample.
    """
    results = read_pickle(path, what='score dump')
    if not isinstance(results, (list, tuple)) or not results:
        raise DataError(f'{path}: expected a non-empty list of per-sample '
                        'dicts (the pickle of tools/test.py --dump), got '
                        f'{type(results).__name__}')
    scores: List[np.ndarray] = []
    labels: List[int] = []
    for i, sample in enumerate(results):
        if not isinstance(sample, dict) or 'pred_score' not in sample \
                or 'gt_label' not in sample:
            found = sorted(sample) if isinstance(sample, dict) \
                else type(sample).__name__
            raise DataError(f'{path}: sample {i} needs "pred_score" and '
                            f'"gt_label", found {found}')
        score = to_numpy(sample['pred_score']).astype(np.float64).reshape(-1)
        label = to_numpy(sample['gt_label']).reshape(-1)
        if label.size != 1:
            raise DataError(f'{path}: sample {i} has {label.size} labels; '
                            'score fusion takes single-label samples')
        if scores and score.shape != scores[0].shape:
            raise DataError(f'{path}: sample {i} scores {score.size} classes, '
                            f'sample 0 {scores[0].size}')
        scores.append(score)
        labels.append(int(label[0]))
    return np.stack(scores), np.asarray(labels, dtype=np.int64)


def fuse_scores(score_list: Sequence[ArrayLike],
                weights: Optional[Sequence[float]] = None,
                labels_list: Optional[Sequence[ArrayLike]] = None,
                names: Optional[Sequence[str]] = None) -> np.ndarray:
    """Weighted sum of the score matrices of several streams.

    Args:
        score_list (list[ArrayLike]): ``S`` score matrices ``[N, L]`` of the
            same samples in the same order.
        weights (list[float], optional): ``S`` weights. Defaults to ``None``
            (all ``1``).
        labels_list (list[ArrayLike], optional): ``S`` label vectors ``[N]``;
            when given, all must equal the first (the same test set in the
            same order). Defaults to ``None`` (not checked).
        names (list[str], optional): ``S`` names (dump files) for the error
            messages. Defaults to ``stream 0``, ``stream 1``, ...

    Returns:
        np.ndarray: Fused scores, float64 ``[N, L]``.

    Raises:
        ValueError: No scores, or weights / labels / names not one per
            stream.
        DataError: A stream whose scores are not ``[N, L]`` like the first
            one's, or whose labels differ from the first one's; the message
            names that stream.
    """
    if not score_list:
        raise ValueError('fuse_scores needs at least one score matrix')
    num = len(score_list)
    weights = [1.0] * num if weights is None else [float(w) for w in weights]
    names = [f'stream {i}' for i in range(num)] if names is None \
        else list(names)
    for what, values in (('weights', weights), ('names', names),
                         ('labels_list', labels_list)):
        if values is not None and len(values) != num:
            raise ValueError(f'{len(values)} {what} for {num} score matrices')
    scores = [to_numpy(s).astype(np.float64) for s in score_list]
    if scores[0].ndim != 2:
        raise DataError(f'{names[0]}: scores must be [N, L], got shape '
                        f'{scores[0].shape}')
    for name, s in zip(names[1:], scores[1:]):
        if s.shape != scores[0].shape:
            raise DataError(f'{name}: scores of shape {s.shape}, but '
                            f'{names[0]} has {scores[0].shape} (same test '
                            'set and classes needed)')
    if labels_list is not None:
        ref = to_numpy(labels_list[0]).reshape(-1)
        for name, labels in zip(names[1:], labels_list[1:]):
            labels = to_numpy(labels).reshape(-1)
            if labels.shape != ref.shape or not np.array_equal(labels, ref):
                bad = np.flatnonzero(labels != ref)[:5] \
                    if labels.shape == ref.shape else []
                raise DataError(
                    f'{name}: labels differ from those of {names[0]}'
                    + (f' at samples {bad.tolist()}' if len(bad) else
                       f' ({labels.size} vs {ref.size} samples)')
                    + '; fusion needs the same test samples in the same '
                    'order')
    fused = np.zeros_like(scores[0])
    for w, s in zip(weights, scores):
        fused += w * s
    return fused


def fusion_metrics(scores: ArrayLike, labels: ArrayLike,
                   seen_mask: Optional[ArrayLike] = None) -> Dict[str, float]:
    """Accuracies of one score matrix (a stream or the fusion).

    Args:
        scores (ArrayLike): ``[N, L]``.
        labels (ArrayLike): ``[N]``.
        seen_mask (ArrayLike, optional): Bool ``[L]``, ``True`` for classes
            seen in training; adds the zero-shot figures. Defaults to
            ``None``.

    Returns:
        dict: ``acc/top1``, ``acc/top5``, ``acc/mean1`` (mean over classes
        with samples) over all ``L`` classes; with ``seen_mask`` also
        ``zsl/top1`` (unseen samples ranked among unseen classes only) and
        ``gzsl/seen``, ``gzsl/unseen``, ``gzsl/hmean`` (argmax over all
        classes, mean per-class accuracy), as ``ZeroShotMetric`` names them.
    """
    scores = to_numpy(scores).astype(np.float64)
    labels = to_numpy(labels).astype(np.int64).reshape(-1)
    top1, top5 = topk_accuracy(scores, labels, (1, 5))
    out = {'acc/top1': top1, 'acc/top5': top5,
           'acc/mean1': mean_class_accuracy(scores.argmax(1), labels,
                                            scores.shape[1])}
    if seen_mask is not None:
        seen = to_numpy(seen_mask).astype(bool).reshape(-1)
        u_scores, u_labels = restrict_to_classes(scores, labels, ~seen)
        out['zsl/top1'] = topk_accuracy(u_scores, u_labels, 1)[0]
        out['gzsl/seen'], out['gzsl/unseen'], out['gzsl/hmean'] = \
            gzsl_accuracy(scores, labels, seen)
    return out
