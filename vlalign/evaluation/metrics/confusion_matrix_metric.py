"""Confusion matrix of a classifier, logged as a scalar and saved as a PNG."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from vlalign.registry import METRICS
from vlalign.utils.errors import ConfigError
from ..functional import confusion_matrix


@METRICS.register_module()
class ConfusionMatrixMetric(BaseMetric):
    """Confusion matrix over the dataset's classes.

    Returns ``confusion/mean_diag``: the mean diagonal of the row-normalised
    matrix over classes with samples, i.e. the mean per-class accuracy. The
    matrix itself (``[L, L]``, row = true class) is kept in
    :attr:`confusion_matrix` after each evaluation and, with ``out_file``,
    drawn with the class names of ``dataset_meta['classes']`` into a PNG
    (:func:`vlalign.visualization.confusion_matrix.plot_confusion_matrix`;
    overwritten atomically at each evaluation).

    Args:
        out_file (str, optional): PNG path. Defaults to ``None`` (no plot).
        normalize (bool): Plot row-normalised fractions instead of counts.
            Defaults to ``True``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prepended as ``prefix/`` to the key.
            Defaults to ``None``.
        collect_dir (str, optional): See mmengine's ``BaseMetric``.
    """
    # '' (not None): the key stays 'confusion/mean_diag' without a warning.
    default_prefix: Optional[str] = ''

    def __init__(self,
                 out_file: Optional[str] = None,
                 normalize: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix,
                         collect_dir=collect_dir)
        self.out_file = out_file
        self.normalize = normalize
        self.confusion_matrix: Optional[np.ndarray] = None

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        """Keep each sample's predicted class (argmax of ``pred_score``
        ``[L]``), label and ``L``."""
        for sample in data_samples:
            score = sample['pred_score']
            self.results.append(dict(pred=int(score.argmax().item()),
                                     label=int(sample['gt_label'].item()),
                                     num_classes=int(score.numel())))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """Build the matrix, plot it when asked, return the mean diagonal.

        Returns:
            dict: ``{'confusion/mean_diag': float}``.
        """
        num = results[0]['num_classes']
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) != num:
            raise ConfigError(f'pred_score has {num} classes but '
                              f"dataset_meta['classes'] {len(classes)}")
        preds = [r['pred'] for r in results]
        labels = np.array([r['label'] for r in results])
        counts = confusion_matrix(preds, labels, num)
        rows = confusion_matrix(preds, labels, num, normalize='true')
        self.confusion_matrix = rows if self.normalize else counts
        if self.out_file is not None:
            from vlalign.visualization.confusion_matrix import \
                plot_confusion_matrix
            plot_confusion_matrix(self.confusion_matrix, classes,
                                  out_file=self.out_file,
                                  title='confusion matrix' +
                                  (' (row-normalised)' if self.normalize
                                   else ''))
        present = counts.sum(1) > 0
        mean_diag = float(np.diag(rows)[present].mean()) if present.any() \
            else float('nan')
        return {'confusion/mean_diag': mean_diag}
