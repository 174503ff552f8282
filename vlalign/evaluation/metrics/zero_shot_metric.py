"""ZSL and GZSL accuracies of a recognizer that scores seen and unseen classes."""
import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from vlalign.classes.label_map import load_class_names
from vlalign.registry import METRICS
from vlalign.utils.errors import ConfigError, DataError
from ..calibration import calibrated_stacking, select_stacking_gamma
from ..functional import (gzsl_accuracy, mean_class_accuracy,
                          restrict_to_classes, topk_accuracy)

ClassList = Union[str, Sequence[str]]


@METRICS.register_module()
class ZeroShotMetric(BaseMetric):
    """Zero-shot (ZSL) and generalised zero-shot (GZSL) accuracies.

    The model scores every class of the dataset (``pred_score`` ``[L]``,
    ``L = len(dataset_meta['classes'])``, e.g. a ``PoseTextDataset`` without
    ``class_subset`` on the test split); this metric knows which of those
    classes are seen and which unseen. Returned keys:

    - ``zsl/top1``, ``zsl/top5``: samples of unseen classes, ranked among
      the unseen classes only (per-sample accuracy, as skeleton ZSL papers
      report it; a ``k`` above the number of unseen classes gives 1);
      ``zsl/mean_class_acc``: the same samples, mean per-class top-1.
    - ``gzsl/seen``, ``gzsl/unseen``, ``gzsl/hmean``: argmax over seen and
      unseen classes together; mean per-class top-1 accuracy over the seen
      classes and over the unseen classes (classes with samples), and their
      harmonic mean (Xian et al., TPAMI 2018).
    - ``mean_class_acc``: mean per-class top-1 over all classes.
    - with ``calibration_gamma``: ``gzsl_cs/seen``, ``gzsl_cs/unseen``,
      ``gzsl_cs/hmean``, the GZSL figures after calibrated stacking
      (seen scores minus gamma, :func:`calibrated_stacking`). Choose gamma
      on held-out seen classes (:func:`select_stacking_gamma`), not here.
    - with ``select_gamma=True``: ``calibration/gamma`` and
      ``calibration/hmean``, the constant maximising the GZSL harmonic mean
      on THIS evaluation set. Only for a calibration set (held-out seen
      classes posing as unseen, see ``tools/benchmark_zeroshot.py``); never
      on a test set.

    A figure without samples (e.g. no unseen sample) is ``nan`` and logged
    as a warning. With both ``unseen_classes`` and ``seen_classes`` given,
    dataset classes in neither are left out of the ZSL and GZSL figures
    (their samples and score columns) but count in ``mean_class_acc``.

    Args:
        unseen_classes (str | list[str], optional): Label file or names of
            the unseen classes. Defaults to ``None`` (the complement of
            ``seen_classes``).
        seen_classes (str | list[str], optional): Label file or names of the
            seen classes. Defaults to ``None`` (the complement of
            ``unseen_classes``).
        calibration_gamma (float, optional): Calibrated-stacking constant.
            Defaults to ``None`` (no calibrated figures).
        select_gamma (bool): Also choose the constant on this set. Defaults
            to ``False``.
        topk (tuple[int]): ``k`` of ``zsl/top{k}``. Defaults to ``(1, 5)``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prepended as ``prefix/`` to every key.
            Defaults to ``None`` (keys as listed).
        collect_dir (str, optional): See mmengine's ``BaseMetric``.

    Raises:
        ConfigError: If neither class list is given.
        DataError: If a label file is malformed, or (at evaluation) a class
            name is not in ``dataset_meta['classes']``.
    """
    # '' (not None): keys stay 'zsl/top1', ... and mmengine does not warn.
    default_prefix: Optional[str] = ''

    def __init__(self,
                 unseen_classes: Optional[ClassList] = None,
                 seen_classes: Optional[ClassList] = None,
                 calibration_gamma: Optional[float] = None,
                 select_gamma: bool = False,
                 topk: Sequence[int] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix,
                         collect_dir=collect_dir)
        if unseen_classes is None and seen_classes is None:
            raise ConfigError('ZeroShotMetric needs unseen_classes or '
                              'seen_classes (a label file or a list of names)')
        # Files are read now, so a wrong path fails before any inference.
        self.unseen_classes, self._unseen_src = self._read(unseen_classes,
                                                           'unseen_classes')
        self.seen_classes, self._seen_src = self._read(seen_classes,
                                                       'seen_classes')
        if self.unseen_classes and self.seen_classes:
            both = sorted(set(self.unseen_classes) & set(self.seen_classes))
            if both:
                raise ConfigError(f'classes {both} are both in seen_classes '
                                  'and unseen_classes')
        self.calibration_gamma = (None if calibration_gamma is None else
                                  float(calibration_gamma))
        self.select_gamma = bool(select_gamma)
        self.topk = tuple(int(k) for k in topk)

    @staticmethod
    def _read(classes: Optional[ClassList],
              arg: str) -> Tuple[Optional[List[str]], str]:
        if classes is None:
            return None, arg
        if isinstance(classes, str):
            return load_class_names(classes), classes
        return list(classes), arg

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        """Keep each sample's score vector ``[L]`` and label.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (list[dict]): Model outputs (``ActionDataSample``
                as dicts) with ``pred_score`` ``[L]`` and ``gt_label`` ``[1]``.
        """
        for sample in data_samples:
            label = sample['gt_label']
            if label.numel() != 1:
                raise ConfigError('ZeroShotMetric takes single-label samples, '
                                  f'got gt_label of shape {tuple(label.shape)}')
            self.results.append(
                dict(pred=sample['pred_score'].detach().cpu().float().numpy(),
                     label=int(label.item())))

    def _class_masks(self, classes: Sequence[str]) -> Tuple[np.ndarray,
                                                            np.ndarray]:
        """Bool masks ``[L]`` of seen and unseen classes of the dataset."""
        index = {n: i for i, n in enumerate(classes)}
        masks = {}
        for kind, names, src in (('seen', self.seen_classes, self._seen_src),
                                 ('unseen', self.unseen_classes,
                                  self._unseen_src)):
            if names is None:
                continue
            missing = [n for n in names if n not in index]
            if missing:
                raise DataError(f'{src}: {kind} class names {missing} are not '
                                "among the dataset's classes "
                                "(dataset_meta['classes'])")
            mask = np.zeros(len(classes), dtype=bool)
            mask[[index[n] for n in names]] = True
            masks[kind] = mask
        seen = masks.get('seen', ~masks.get('unseen', np.zeros(0, bool)))
        unseen = masks.get('unseen', ~seen)
        if not seen.any() or not unseen.any():
            raise ConfigError('ZeroShotMetric: the dataset has no '
                              f'{"seen" if not seen.any() else "unseen"} '
                              'class left; GZSL needs both')
        return seen, unseen

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """ZSL, GZSL and (optionally) calibrated GZSL accuracies.

        Args:
            results (list[dict]): ``pred`` ``[L]`` and ``label`` per sample.

        Returns:
            dict: See the class docstring for the keys.
        """
        meta = self.dataset_meta or {}
        if 'classes' not in meta:
            raise ConfigError('ZeroShotMetric needs the class names of the '
                              "dataset (dataset_meta['classes']): use a "
                              'dataset with metainfo classes, e.g. '
                              'PoseTextDataset with class_file')
        classes = list(meta['classes'])
        scores = np.stack([r['pred'] for r in results]).astype(np.float64)
        labels = np.array([r['label'] for r in results], dtype=np.int64)
        if scores.shape[1] != len(classes):
            raise ConfigError(f'pred_score has {scores.shape[1]} classes but '
                              f"dataset_meta['classes'] {len(classes)}")
        seen, unseen = self._class_masks(classes)
        keep = seen | unseen

        out: Dict[str, float] = {}
        zsl = topk_accuracy(scores, labels, self.topk, classes=unseen)
        out.update({f'zsl/top{k}': acc for k, acc in zip(self.topk, zsl)})
        u_scores, u_labels = restrict_to_classes(scores, labels, unseen)
        out['zsl/mean_class_acc'] = mean_class_accuracy(
            u_scores.argmax(1), u_labels, u_scores.shape[1])

        g_scores, g_labels = restrict_to_classes(scores, labels, keep)
        g_seen = seen[keep]
        out['gzsl/seen'], out['gzsl/unseen'], out['gzsl/hmean'] = \
            gzsl_accuracy(g_scores, g_labels, g_seen)
        out['mean_class_acc'] = mean_class_accuracy(scores.argmax(1), labels,
                                                    len(classes))
        if self.calibration_gamma is not None:
            cs = calibrated_stacking(g_scores, g_seen, self.calibration_gamma)
            out['gzsl_cs/seen'], out['gzsl_cs/unseen'], out['gzsl_cs/hmean'] = \
                gzsl_accuracy(cs, g_labels, g_seen)
        if self.select_gamma:
            out['calibration/gamma'], out['calibration/hmean'] = \
                select_stacking_gamma(g_scores, g_labels, g_seen)

        undefined = [k for k, v in out.items() if np.isnan(v)]
        if undefined:
            print_log(f'ZeroShotMetric: {undefined} are nan: the evaluation '
                      'set has no sample of some seen or unseen class group',
                      logger='current', level=logging.WARNING)
        return out

