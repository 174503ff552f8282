"""Temporal action segmentation metrics (MS-TCN's definitions).

``F1@k`` matches predicted segments to ground-truth segments of the same
label with IoU >= k (each ground-truth segment at most once), summing true
and false positives over all videos before computing F1. The edit score is
``(1 - Levenshtein(P, Y) / max(|P|, |Y|)) * 100`` on the sequences of
segment labels, averaged over videos. Frame accuracy counts correct frames
over all frames. Background labels are left out of segments (not of the
frame accuracy), as in MS-TCN's ``eval.py``.

One deliberate difference: MS-TCN closes the last segment of a video at
index ``T - 1`` (one frame short); here segment ends are exclusive
everywhere (the last ends at ``T``), so the IoU of a final segment is exact.
"""
from typing import Dict, Hashable, List, Sequence, Tuple

import numpy as np

Segments = Tuple[List[Hashable], List[int], List[int]]


def get_segments(frame_labels: Sequence[Hashable],
                 bg_class: Sequence[Hashable] = ()) -> Segments:
    """Split frame labels into segments.

    Args:
        frame_labels (Sequence): ``T`` labels.
        bg_class (Sequence): Labels that form no segment. Defaults to ``()``.

    Returns:
        tuple: ``(labels, starts, ends)``, ends exclusive.
    """
    labels, starts, ends = [], [], []
    bg = set(bg_class)
    frame_labels = list(frame_labels)
    for t, lbl in enumerate(frame_labels):
        if t > 0 and lbl == frame_labels[t - 1]:
            continue
        if t > 0 and frame_labels[t - 1] not in bg:
            ends.append(t)
        if lbl not in bg:
            labels.append(lbl)
            starts.append(t)
    if frame_labels and frame_labels[-1] not in bg:
        ends.append(len(frame_labels))
    return labels, starts, ends


def levenshtein(p: Sequence[Hashable], y: Sequence[Hashable]) -> int:
    """Edit distance (insertions, deletions, substitutions cost 1)."""
    d = np.zeros((len(p) + 1, len(y) + 1), dtype=np.int64)
    d[:, 0] = np.arange(len(p) + 1)
    d[0, :] = np.arange(len(y) + 1)
    for i in range(1, len(p) + 1):
        for j in range(1, len(y) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1,
                          d[i - 1, j - 1] + (p[i - 1] != y[j - 1]))
    return int(d[-1, -1])


def edit_score(pred: Sequence[Hashable], gt: Sequence[Hashable],
               bg_class: Sequence[Hashable] = ()) -> float:
    """Segmental edit score of one video, in ``[0, 100]`` (100 when both
    have no segment)."""
    p = get_segments(pred, bg_class)[0]
    y = get_segments(gt, bg_class)[0]
    if not p and not y:
        return 100.0
    return (1 - levenshtein(p, y) / max(len(p), len(y))) * 100


def f_score_counts(pred: Sequence[Hashable], gt: Sequence[Hashable],
                   overlap: float,
                   bg_class: Sequence[Hashable] = ()) -> Tuple[int, int, int]:
    """True positives, false positives and false negatives of one video at
    IoU threshold ``overlap`` (in ``[0, 1]``)."""
    p_lbl, p_start, p_end = get_segments(pred, bg_class)
    y_lbl, y_start, y_end = get_segments(gt, bg_class)
    y_start, y_end = np.asarray(y_start), np.asarray(y_end)
    hits = np.zeros(len(y_lbl), dtype=bool)
    tp = fp = 0
    for lbl, s, e in zip(p_lbl, p_start, p_end):
        if not y_lbl:
            fp += 1
            continue
        inter = np.minimum(e, y_end) - np.maximum(s, y_start)
        union = np.maximum(e, y_end) - np.minimum(s, y_start)
        iou = inter / union * np.array([lbl == y for y in y_lbl])
        idx = int(iou.argmax())
        if iou[idx] >= overlap and not hits[idx]:
            tp += 1
            hits[idx] = True
        else:
            fp += 1
    return tp, fp, int(len(y_lbl) - hits.sum())


def segmentation_scores(preds: Sequence[Sequence[Hashable]],
                        gts: Sequence[Sequence[Hashable]],
                        overlaps: Sequence[float] = (0.1, 0.25, 0.5),
                        bg_class: Sequence[Hashable] = ()) -> Dict[str, float]:
    """All segmentation metrics over a set of videos, in percent.

    Args:
        preds (Sequence[Sequence]): Predicted frame labels per video.
        gts (Sequence[Sequence]): Ground-truth frame labels per video (same
            lengths as ``preds``).
        overlaps (Sequence[float]): IoU thresholds of the F1 scores.
            Defaults to ``(0.1, 0.25, 0.5)``.
        bg_class (Sequence): Background labels. Defaults to ``()``.

    Returns:
        dict: ``acc``, ``edit`` and ``F1@10``, ``F1@25``, ``F1@50``.
    """
    if len(preds) != len(gts) or not gts:
        raise ValueError(f'{len(preds)} predictions for {len(gts)} videos')
    correct = total = 0
    edits = []
    counts = np.zeros((len(overlaps), 3))
    for p, y in zip(preds, gts):
        p, y = list(p), list(y)
        if len(p) != len(y):
            raise ValueError(f'a prediction of {len(p)} frames for a video '
                             f'of {len(y)}')
        correct += sum(a == b for a, b in zip(p, y))
        total += len(y)
        edits.append(edit_score(p, y, bg_class))
        for k, ov in enumerate(overlaps):
            counts[k] += f_score_counts(p, y, ov, bg_class)
    out = dict(acc=100.0 * correct / max(total, 1),
               edit=float(np.mean(edits)))
    for k, ov in enumerate(overlaps):
        tp, fp, fn = counts[k]
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[f'F1@{int(round(ov * 100))}'] = 100.0 * f1
    return out
