"""Temporal action segmentation metric (F1@k, edit, frame accuracy)."""
from typing import Any, Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric

from vlalign.evaluation.segmentation import segmentation_scores
from vlalign.registry import METRICS


@METRICS.register_module()
class SegmentationMetric(BaseMetric):
    """F1@{10,25,50}, segmental edit score and frame accuracy (percent).

    Reads data samples with ``pred_labels`` and ``gt_labels`` (``[T]`` label
    indices each; padding already removed).

    Args:
        overlaps (Sequence[float]): IoU thresholds. Defaults to
            ``(0.1, 0.25, 0.5)``.
        bg_classes (Sequence[str]): Background label names (looked up in
            ``dataset_meta['classes']``) left out of segments. Defaults to
            ``()``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'seg'``.
    """
    default_prefix = 'seg'

    def __init__(self, overlaps: Sequence[float] = (0.1, 0.25, 0.5),
                 bg_classes: Sequence[str] = (), collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.overlaps = tuple(overlaps)
        self.bg_classes = tuple(bg_classes)

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        for s in data_samples:
            self.results.append((list(map(int, s['pred_labels'])),
                                 list(map(int, s['gt_labels']))))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        classes = list((self.dataset_meta or {}).get('classes') or [])
        bg = [classes.index(c) for c in self.bg_classes if c in classes]
        return segmentation_scores([r[0] for r in results],
                                   [r[1] for r in results],
                                   self.overlaps, bg)
