"""mmaction2's PoseDataset with class names, for alignment with text."""
from typing import Callable, Dict, List, Optional, Sequence, Union

from mmaction.datasets import PoseDataset

from vlalign.registry import DATASETS
from vlalign.utils.errors import DataError
from .label_map import load_class_names, resolve_class_subset
from .pose_io import load_pose_annotations


@DATASETS.register_module()
class PoseTextDataset(PoseDataset):
    """A PoseDataset that knows its class names and can keep a class subset.

    Annotations are read by :func:`load_pose_annotations` (clear errors for
    bad files; mmaction2's loader returns the raw dict when ``split=None``).
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
        """Load, check labels against the label file, keep the subset."""
        data_list = load_pose_annotations(self.ann_file, self.split)
        num_all = len(self.all_classes)
        to_subset = {self.all_classes.index(n): i
                     for i, n in enumerate(self.classes)}
        kept = []
        for item in data_list:
            if 'label' not in item:
                raise DataError(f'{self.ann_file}: sample '
                                f'"{item.get("frame_dir")}" has no "label"')
            label = int(item['label'])
            if not 0 <= label < num_all:
                raise DataError(
                    f'{self.ann_file}: sample "{item.get("frame_dir")}" has '
                    f'label {label}, outside the {num_all} classes of '
                    f'{self.class_file}')
            if label in to_subset:
                kept.append(dict(item, label=to_subset[label]))
        return kept
