"""Top-k accuracy and class-mean top-5 recall of verb, noun and action."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from vlalign.registry import METRICS

TASKS = ('action', 'verb', 'noun')


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Share of samples whose label is among their ``k`` best scores.

    Args:
        scores (np.ndarray): ``[N, C]``.
        labels (np.ndarray): ``[N]``; a label ``< 0`` (unknown, e.g. an
            action that is no class) always counts as a miss.
    """
    hits = _topk_hits(scores, labels, k)
    return float(hits.mean()) if hits.size else 0.0


def _topk_hits(scores: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return (top == labels[:, None]).any(1) & (labels >= 0)


def mean_topk_recall(scores: np.ndarray, labels: np.ndarray,
                     k: int = 5,
                     classes: Optional[Sequence[int]] = None) -> float:
    """Class-mean top-k recall (EPIC-KITCHENS-100 anticipation).

    The top-k recall of each class (share of its samples with the label in
    the top ``k``), averaged over ``classes`` (default: the classes that
    occur in ``labels``, unknown labels excluded).
    """
    hits = _topk_hits(scores, labels, k)
    if classes is None:
        classes = np.unique(labels[labels >= 0])
    recalls = [hits[labels == c].mean() for c in classes
               if (labels == c).any()]
    return float(np.mean(recalls)) if recalls else 0.0


@METRICS.register_module()
class AnticipationMetric(BaseMetric):
    """Top-1/top-5 accuracy and class-mean top-5 recall per task.

    Reads ``pred_<task>`` scores and ``gt_<task>`` labels (``task`` in
    action, verb, noun) of each data sample; keys are
    ``<task>/top1``, ``<task>/top5`` and ``<task>/mean_top5_recall`` (in %),
    action first. Samples whose action is no class count as action misses
    and are left out of the action recall's class list.

    Args:
        topk (Sequence[int]): Accuracies to report. Defaults to ``(1, 5)``.
        recall_k (int): ``k`` of the class-mean recall. Defaults to ``5``.
        tasks (Sequence[str]): Defaults to ``('action', 'verb', 'noun')``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'anticipation'``.
    """

    default_prefix: Optional[str] = 'anticipation'

    def __init__(self, topk: Sequence[int] = (1, 5), recall_k: int = 5,
                 tasks: Sequence[str] = TASKS, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = set(tasks) - set(TASKS)
        if unknown:
            raise ValueError(f'unknown tasks {sorted(unknown)}; use {TASKS}')
        self.topk = tuple(topk)
        self.recall_k = recall_k
        self.tasks = tuple(tasks)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            result = {}
            for t in self.tasks:
                pred, gt = sample[f'pred_{t}'], sample[f'gt_{t}']
                result[t] = (np.asarray(pred.detach().cpu().float()),
                             int(gt))
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics: Dict[str, float] = OrderedDict()
        for t in self.tasks:
            scores = np.stack([r[t][0] for r in results])
            labels = np.array([r[t][1] for r in results], dtype=np.int64)
            for k in self.topk:
                metrics[f'{t}/top{k}'] = 100 * topk_accuracy(scores, labels, k)
            metrics[f'{t}/mean_top{self.recall_k}_recall'] = 100 * \
                mean_topk_recall(scores, labels, self.recall_k)
        return metrics
