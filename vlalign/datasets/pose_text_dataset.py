"""mmaction2's PoseDataset with class names, for alignment with text."""
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmaction.datasets import PoseDataset

from vlalign.registry import DATASETS
from vlalign.utils.errors import DataError
from vlalign.classes.label_map import load_class_names, resolve_class_subset
from .pose_io import load_pose_annotations


# Lines of a DataError listing bad samples: enough to see the pattern.
_MAX_SAMPLES_SHOWN = 20


def _label_problem(item: Dict, num_classes: int, class_file: str
                   ) -> Optional[str]:
    """Why ``item['label']`` is no index into the label file, or None."""
    if 'label' not in item:
        return 'no "label"'
    label = item['label']
    try:
        index = int(label)
    except (TypeError, ValueError):
        return f'label {label!r} that is not an int'
    if index != label or isinstance(label, (bool, np.bool_)):
        return f'label {label!r} that is not an int'
    if not 0 <= index < num_classes:
        return (f'label {index}, outside the {num_classes} classes of '
                f'{class_file}')
    return None


def _sample_problems(item: Dict) -> List[str]:
    """What would break the pipeline on one annotation: its keypoint array
    (rank, empty axes, NaN/inf), scores and frame count. Only what loading
    needs is required (3D pickles have no ``img_shape``)."""
    kp: Any = item.get('keypoint')
    if kp is None:
        return ['no "keypoint"']
    if not isinstance(kp, np.ndarray) or kp.dtype.kind not in 'fiu':
        kind = kp.dtype if isinstance(kp, np.ndarray) else type(kp).__name__
        return [f'keypoint that is not a numeric array ({kind})']
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        return [f'keypoint of shape {kp.shape}, expected [M, T, V, 2|3]']
    problems = []
    if 0 in kp.shape:
        problems.append(f'keypoint of shape {kp.shape}: no person, frame or '
                        'joint')
    # One vectorised pass per array: all checks of Penn Action's 2,326
    # annotations take ~20 ms, against ~0.3 s for loading them.
    elif kp.dtype.kind == 'f' and not np.isfinite(kp).all():
        problems.append(f'{int((~np.isfinite(kp)).sum())} NaN/inf keypoint '
                        'values')
    score = item.get('keypoint_score')
    if score is not None:
        if not isinstance(score, np.ndarray) or score.shape != kp.shape[:3]:
            shape = getattr(score, 'shape', type(score).__name__)
            problems.append(f'keypoint_score of shape {shape}, expected '
                            f'{kp.shape[:3]} (keypoint.shape[:3])')
        elif score.dtype.kind == 'f' and not np.isfinite(score).all():
            problems.append('NaN/inf keypoint_score values')
    total = item.get('total_frames')
    if total is None:
        problems.append('no "total_frames"')
    elif not isinstance(total, (int, np.integer)) or total <= 0:
        problems.append(f'total_frames {total!r}: not a positive int')
    elif total > kp.shape[1]:
        # Frame sampling indexes up to total_frames - 1 into keypoint.
        problems.append(f'total_frames {total} > the {kp.shape[1]} frames of '
                        'keypoint')
    return problems


@DATASETS.register_module()
class PoseTextDataset(PoseDataset):
    """A PoseDataset that knows its class names and can keep a class subset.

    Annotations are read by :func:`load_pose_annotations` (clear errors for
    bad files; mmaction2's loader returns the raw dict when ``split=None``)
    and checked (labels, keypoint rank and values, scores, frame counts), so
    a malformed sample fails at build time with one :class:`DataError`
    naming the file and every bad sample, not later inside a worker.
    ``metainfo['classes']`` holds the names of the classes kept, index =
    label, so the recognizer scores exactly these texts. With
    ``class_subset`` (seen or unseen classes of a zero-shot split) only the
    samples of those classes are kept and their labels are renumbered in the
    order of the subset.

    Args:
        ann_file (str): PoseDataset pickle.
        pipeline (list): Data transforms.
        class_file (str): Label file of the pickle's labels, one name a line.
        class_subset (str | list[str], optional): Label file or names of the
            classes to keep. Defaults to ``None`` (all).
        split (str, optional): Split of the pickle. Defaults to ``None``.
        **kwargs: See mmaction2's ``PoseDataset``.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 class_file: str,
                 class_subset: Optional[Union[str, Sequence[str]]] = None,
                 split: Optional[str] = None,
                 **kwargs) -> None:
        self.all_classes = load_class_names(class_file)
        self.class_file = class_file
        self.class_subset = class_subset
        if class_subset is None:
            self.classes = list(self.all_classes)
        else:
            self.classes = resolve_class_subset(class_subset, self.all_classes,
                                                class_file)
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        metainfo['classes'] = tuple(self.classes)
        super().__init__(ann_file, pipeline, split=split, metainfo=metainfo,
                         **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Load, check every sample, keep the subset and renumber labels.

        Labels are checked on the whole split (one outside the label file
        means the two files disagree); the other fields on the samples kept.

        Raises:
            DataError: Naming the file and every bad sample with its fields.
        """
        data_list = load_pose_annotations(self.ann_file, self.split)
        num_all = len(self.all_classes)
        to_subset = {self.all_classes.index(n): i
                     for i, n in enumerate(self.classes)}
        kept, bad = [], []
        for i, item in enumerate(data_list):
            problem = _label_problem(item, num_all, self.class_file)
            problems = [problem] if problem else []
            if not problems and int(item['label']) in to_subset:
                problems = _sample_problems(item)
                kept.append(dict(item, label=to_subset[int(item['label'])]))
            if problems:
                name = item.get('frame_dir', item.get('filename'))
                where = f'"{name}"' if name is not None else f'#{i}'
                bad.append(f'sample {where} has ' + '; '.join(problems))
        if bad:
            more = len(bad) - _MAX_SAMPLES_SHOWN
            lines = bad[:_MAX_SAMPLES_SHOWN] + (
                [f'... and {more} more'] if more > 0 else [])
            raise DataError(f'{self.ann_file}: {len(bad)} malformed '
                            f'sample(s):\n  ' + '\n  '.join(lines))
        self._warn_unused_names(data_list)
        return kept

    def _warn_unused_names(self, data_list: List[Dict]) -> None:
        """Warn when the label file names classes beyond the highest label.

        Names past every label of the split are what a label file of another
        (larger) dataset looks like; as those classes still compete at test
        time, a wrong file lowers accuracy without any error.
        """
        if not data_list:
            return
        top = max(int(item['label']) for item in data_list)
        unused = len(self.all_classes) - 1 - top
        if unused > 0:
            where = f' (split "{self.split}")' if self.split else ''
            warnings.warn(
                f'label file {self.class_file} names '
                f'{len(self.all_classes)} classes but the labels of '
                f'{self.ann_file}{where} only go up to {top}: the last '
                f'{unused} name(s) ("{self.all_classes[top + 1]}", ...) are '
                'never used. Is it the label file of these annotations?',
                stacklevel=2)
