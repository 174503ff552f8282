"""ZSL / GZSL figures of the stage-2 heads, with their own calibration."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from vlalign.registry import METRICS
from ..functional import gzsl_accuracy, restrict_to_classes, topk_accuracy
from .zero_shot_metric import ZeroShotMetric


@METRICS.register_module()
class TwoStageZeroShotMetric(ZeroShotMetric):
    """:class:`ZeroShotMetric` for :class:`~vlalign.models.BaseZSLHead`.

    Keys as :class:`ZeroShotMetric` (``zsl/*`` from ``pred_score`` restricted
    to the unseen classes, ``gzsl/*`` uncalibrated), and from the other
    scores a head may attach to a sample:

    - ``zsl_score``: the head's own zero-shot classifier (the VAEs); the
      ``zsl/*`` figures are then taken from it, as the originals report
      them;
    - ``cs_score``: calibrated stacking with the constant the head chose on
      its calibration fold -> ``gzsl_cs/seen``, ``gzsl_cs/unseen``,
      ``gzsl_cs/hmean`` (and ``calibration/gamma``);
    - ``gate_score``: SynSE's gated decision -> ``gzsl_gate/*``.

    Args:
        protocol (str, optional): A protocol name or folder giving
            ``seen_classes`` and ``unseen_classes``.
        **kwargs: See :class:`ZeroShotMetric`.

    A ``calibration_gamma`` given to this metric is applied to
    ``pred_score`` as in :class:`ZeroShotMetric` (its ``gzsl_cs/*`` keys
    then win over the head's ``cs_score``).
    """

    _EXTRA = ('zsl_score', 'cs_score', 'gate_score')

    def __init__(self, protocol: Optional[str] = None, **kwargs) -> None:
        if protocol is not None:
            from vlalign.classes.protocols import load_protocol
            proto = load_protocol(protocol)
            kwargs.setdefault('seen_classes', list(proto.seen))
            kwargs.setdefault('unseen_classes', list(proto.unseen))
        super().__init__(**kwargs)

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        start = len(self.results)
        super().process(data_batch, data_samples)
        for result, sample in zip(self.results[start:], data_samples):
            for key in self._EXTRA:
                if key in sample:
                    result[key] = sample[key].detach().cpu().float().numpy()

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        out = super().compute_metrics(results)
        classes = list(self.dataset_meta['classes'])
        seen, unseen = self._class_masks(classes)
        keep = seen | unseen
        labels = np.array([r['label'] for r in results], dtype=np.int64)

        def stacked(key):
            if not all(key in r for r in results):
                return None
            return np.stack([r[key] for r in results]).astype(np.float64)

        zsl = stacked('zsl_score')
        if zsl is not None:
            acc = topk_accuracy(zsl, labels, self.topk, classes=unseen)
            out.update({f'zsl/top{k}': a for k, a in zip(self.topk, acc)})
            u_scores, u_labels = restrict_to_classes(zsl, labels, unseen)
            from ..functional import mean_class_accuracy
            out['zsl/mean_class_acc'] = mean_class_accuracy(
                u_scores.argmax(1), u_labels, u_scores.shape[1])
        for key, prefix in (('cs_score', 'gzsl_cs'),
                            ('gate_score', 'gzsl_gate')):
            scores = stacked(key)
            if scores is None or (prefix == 'gzsl_cs'
                                  and self.calibration_gamma is not None):
                continue
            g_scores, g_labels = restrict_to_classes(scores, labels, keep)
            s, u, h = gzsl_accuracy(g_scores, g_labels, seen[keep])
            out.update({f'{prefix}/seen': s, f'{prefix}/unseen': u,
                        f'{prefix}/hmean': h})
        return out
