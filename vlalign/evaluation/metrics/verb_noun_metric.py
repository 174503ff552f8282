"""Verb, noun and action accuracies (EPIC-KITCHENS action recognition)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from vlalign.registry import METRICS


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def topk_hits(scores: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Whether each label is among its row's ``k`` highest scores.

    Args:
        scores (np.ndarray): ``[N, L]``.
        labels (np.ndarray): ``[N]`` int.
        k (int): ``k >= 1`` (capped at ``L``).

    Returns:
        np.ndarray: bool ``[N]``.
    """
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return (top == labels[:, None]).any(axis=1)


def action_topk_hits(verb_scores: np.ndarray, noun_scores: np.ndarray,
                     verb_labels: np.ndarray, noun_labels: np.ndarray,
                     k: int) -> np.ndarray:
    """Action hits, EPIC-KITCHENS' convention.

    An action is a (verb, noun) pair scored ``p(verb) * p(noun)`` (the
    outer product of the two probability vectors, as the EPIC-KITCHENS-100
    evaluation code does); a sample is a top-``k`` hit when its true pair is
    among the ``k`` highest-scoring pairs. Because the product grows with
    each factor, any pair in the top ``k`` has both its verb and its noun
    among their top ``k``, so only those ``k x k`` pairs are scored (exact,
    and cheap for 97 x 300 classes). For ``k = 1`` this is exactly "verb and
    noun both right". Ties between pairs are broken by order (verb-major).

    Args:
        verb_scores (np.ndarray): Verb probabilities ``[N, Lv]`` (non-negative).
        noun_scores (np.ndarray): Noun probabilities ``[N, Ln]``.
        verb_labels (np.ndarray): ``[N]``.
        noun_labels (np.ndarray): ``[N]``.
        k (int): ``k >= 1``.

    Returns:
        np.ndarray: bool ``[N]``.
    """
    kv = min(k, verb_scores.shape[1])
    kn = min(k, noun_scores.shape[1])
    top_v = np.argsort(-verb_scores, axis=1, kind='stable')[:, :kv]
    top_n = np.argsort(-noun_scores, axis=1, kind='stable')[:, :kn]
    rows = np.arange(len(verb_scores))[:, None]
    joint = (verb_scores[rows, top_v][:, :, None]
             * noun_scores[rows, top_n][:, None, :]).reshape(len(rows), -1)
    order = np.argsort(-joint, axis=1, kind='stable')[:, :k]
    pair_v = top_v[rows, order // kn]
    pair_n = top_n[rows, order % kn]
    hit = (pair_v == verb_labels[:, None]) & (pair_n == noun_labels[:, None])
    return hit.any(axis=1)


@METRICS.register_module()
class VerbNounMetric(BaseMetric):
    """Top-k accuracy of verbs, nouns and actions.

    Reads ``pred_verb_score`` ``[Lv]``, ``pred_noun_score`` ``[Ln]``,
    ``gt_verb`` and ``gt_noun`` from each data sample (as
    :class:`~vlalign.models.VerbNounRecognizer` writes them). Returned keys
    (with the ``verb_noun/`` prefix): ``action_top1``, ``verb_top1``,
    ``noun_top1`` and ``*_top5`` (one per ``topk``). Action top-1 counts a
    hit only when verb and noun are both right; action top-k follows
    EPIC-KITCHENS (:func:`action_topk_hits`). Accuracies are per segment
    (micro), as the EPIC-KITCHENS-100 leaderboard's "overall" figures.
    Segments without labels (``-1``, the test set) are skipped.

    Args:
        topk (Sequence[int]): Defaults to ``(1, 5)``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'verb_noun'``.
    """

    default_prefix: Optional[str] = 'verb_noun'

    def __init__(self, topk: Sequence[int] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not topk or min(topk) < 1:
            raise ValueError(f'topk must hold positive ints, got {topk}')
        self.topk = tuple(int(k) for k in topk)

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            self.results.append(dict(
                verb_score=_to_numpy(sample['pred_verb_score']),
                noun_score=_to_numpy(sample['pred_noun_score']),
                verb=int(_to_numpy(sample['gt_verb']).reshape(-1)[0]),
                noun=int(_to_numpy(sample['gt_noun']).reshape(-1)[0])))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        labelled = [r for r in results if r['verb'] >= 0 and r['noun'] >= 0]
        if not labelled:
            print_log('VerbNounMetric: no labelled segment, no accuracy',
                      logger='current')
            return {}
        verb_scores = np.stack([r['verb_score'] for r in labelled])
        noun_scores = np.stack([r['noun_score'] for r in labelled])
        verbs = np.array([r['verb'] for r in labelled])
        nouns = np.array([r['noun'] for r in labelled])
        metrics: Dict[str, float] = {}
        for k in self.topk:
            metrics[f'action_top{k}'] = float(action_topk_hits(
                verb_scores, noun_scores, verbs, nouns, k).mean())
        for k in self.topk:
            metrics[f'verb_top{k}'] = float(
                topk_hits(verb_scores, verbs, k).mean())
        for k in self.topk:
            metrics[f'noun_top{k}'] = float(
                topk_hits(noun_scores, nouns, k).mean())
        return metrics
