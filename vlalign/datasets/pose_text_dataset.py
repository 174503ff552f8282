"""mmaction2's PoseDataset with class names, for alignment with text."""
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Union

from mmaction.datasets import PoseDataset

from vlalign.registry import DATASETS
from vlalign.utils.errors import DataError
from vlalign.classes.label_map import load_class_names, resolve_class_subset
from .pose_io import load_pose_annotations
from .pose_schema import is_int, validate_annotations


# Lines of a DataError listing bad samples: enough to see the pattern.
_MAX_SAMPLES_SHOWN = 20


@DATASETS.register_module()
class PoseTextDataset(PoseDataset):
    """A PoseDataset that knows its class names and can keep a class subset.

    Annotations are read by :func:`load_pose_annotations` (clear errors for
    bad files; mmaction2's loader returns the raw dict when ``split=None``)
    and checked by :func:`vlalign.datasets.pose_schema.validate_annotations`,
    the rules ``tools/data/validate_pose_pickle.py`` applies, so a malformed
    sample fails at build time with one :class:`DataError` naming the file,
    every bad sample and its fields, not later inside a worker.
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

        The split's annotations are checked as the validator checks a file,
        except that samples of classes outside ``class_subset`` are only
        checked for their ``frame_dir`` and label (one outside the label
        file means the two files disagree).

        Raises:
            DataError: Naming the file and every bad sample with its fields.
        """
        data_list = load_pose_annotations(self.ann_file, self.split)
        num_all = len(self.all_classes)
        to_subset = {self.all_classes.index(n): i
                     for i, n in enumerate(self.classes)}
        dropped = [i for i, a in enumerate(data_list)
                   if is_int(a.get('label')) and 0 <= a['label'] < num_all
                   and int(a['label']) not in to_subset]
        bad = validate_annotations(data_list, num_classes=num_all,
                                   class_file=self.class_file,
                                   label_only=dropped)
        if bad:
            more = len(bad) - _MAX_SAMPLES_SHOWN
            lines = bad[:_MAX_SAMPLES_SHOWN] + (
                [f'... and {more} more'] if more > 0 else [])
            raise DataError(f'{self.ann_file}: {len(bad)} malformed '
                            f'sample(s):\n  ' + '\n  '.join(lines))
        self._warn_unused_names(data_list)
        return [dict(a, label=to_subset[int(a['label'])]) for a in data_list
                if int(a['label']) in to_subset]

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
