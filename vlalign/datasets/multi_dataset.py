"""Several labelled datasets as one, labelled over the union of their classes."""
from typing import Dict, List, Sequence, Union

from mmengine.dataset import BaseDataset, ConcatDataset

from vlalign.classes.class_texts import normalize_class_name
from vlalign.registry import DATASETS


@DATASETS.register_module()
class MultiPoseTextDataset(ConcatDataset):
    """mmengine's ConcatDataset of datasets with their own class names.

    ``metainfo['classes']``: the components' classes in order, one per
    distinct name (case and spaces ignored). A sample's label is its own
    dataset's class in that union: the recognizer pairs it with its own class
    text, its in-batch negatives are every dataset's texts.

    Args:
        datasets (list[dict | BaseDataset]): Components, each with
            ``metainfo['classes']`` and its own pipeline.
        balance (bool): Cycle each component to the largest one's size, so
            each gives the same share of an epoch. Defaults to ``True``.
    """

    def __init__(self, datasets: Sequence[Union[Dict, BaseDataset]],
                 balance: bool = True) -> None:
        self.balance = balance
        super().__init__(datasets, ignore_keys=['classes'])  # full_init too
        names = [list(d.metainfo['classes']) for d in self.datasets]
        union: Dict[str, str] = {}  # normalised name -> first spelling
        for n in (n for ns in names for n in ns):
            union.setdefault(normalize_class_name(n), n)
        keys = list(union)
        self.to_union: List[List[int]] = [
            [keys.index(normalize_class_name(n)) for n in ns] for ns in names]
        self._metainfo = dict(self._metainfo, classes=tuple(union.values()))

    def full_init(self) -> None:
        if not self._fully_initialized:
            super().full_init()
            sizes = [len(d) for d in self.datasets]
            self._index = [(k, i % n) for k, n in enumerate(sizes) if n
                           for i in range(max(sizes) if self.balance else n)]

    def __len__(self) -> int:
        return len(self._index)

    def get_data_info(self, idx: int) -> Dict:
        k, i = self._index[idx]
        info = self.datasets[k].get_data_info(i)
        return dict(info, label=self.to_union[k][int(info['label'])],
                    dataset_index=k)

    def __getitem__(self, idx: int) -> Dict:
        k, i = self._index[idx]
        data = self.datasets[k][i]  # the component's pipeline output
        label = self.to_union[k][int(data['data_samples'].gt_label)]
        data['data_samples'].set_gt_label(label)
        return data
