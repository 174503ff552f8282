"""A seeded train/val split of one dataset: validation data carved from the
training set, so that no checkpoint or early stop is chosen on test data."""
import copy
import hashlib
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Union

from mmengine.dataset import BaseDataset, force_full_init

from vlalign.registry import DATASETS
from vlalign.utils.errors import ConfigError, DataError

SPLIT_PARTS = ('train', 'val')


def _rank(seed: int, key: Any) -> int:
    """A pseudo-random rank of ``key`` that depends only on (seed, key)."""
    digest = hashlib.sha256(f'{seed}/{key}'.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big')


def split_groups(keys: List[Any], val_fraction: float, seed: int) -> set:
    """The keys that go to the validation part.

    The ``round(val_fraction * G)`` (at least one) of the ``G`` distinct keys
    ranked lowest by a hash of ``(seed, key)``: the choice depends on the
    seed and the set of keys only, not on the order of the samples.

    Args:
        keys (list): Group key of every sample (repeats allowed).
        val_fraction (float): Share of the groups for validation, in (0, 1).
        seed (int): Seed of the split.

    Returns:
        set: The validation keys.

    Raises:
        DataError: If there are fewer than two groups, so that one part would
            be empty.
    """
    groups = sorted(set(keys), key=lambda k: (_rank(seed, k), str(k)))
    if len(groups) < 2:
        raise DataError(f'cannot split {len(groups)} group(s) into a train '
                        'and a val part')
    num_val = min(max(1, round(val_fraction * len(groups))), len(groups) - 1)
    return set(groups[:num_val])


@DATASETS.register_module()
class RandomSplitDataset:
    """One part (``'train'`` or ``'val'``) of a seeded split of a dataset.

    Build the training and the validation dataloader on the same dataset
    config with ``part='train'`` and ``part='val'`` and the same
    ``val_fraction``, ``seed`` and ``group_by``: the two parts are disjoint
    and together hold every sample. This is how a recipe without a
    validation split of its own (NTU RGB+D's X-Sub, EPIC-KITCHENS, MS-TCN
    bundles) validates without touching the split it reports::

        source = dict(type='PoseTextDataset', ann_file=..., split='xsub_train')
        train_dataloader = dict(dataset=dict(
            type='RandomSplitDataset', part='train', val_fraction=0.05,
            dataset=dict(source, pipeline=train_pipeline)))
        val_dataloader = dict(dataset=dict(
            type='RandomSplitDataset', part='val', val_fraction=0.05,
            dataset=dict(source, pipeline=val_pipeline, test_mode=True)))

    Samples are split in groups: with ``group_by`` set, all samples whose
    data info has the same value of that field (e.g. ``'video_id'``: the
    segments of one video) go to the same part, which keeps correlated
    samples out of both parts at once; without it every sample is its own
    group, keyed by its index. Groups are assigned by
    :func:`split_groups` (a hash of seed and key, so the split does not
    depend on sample order when ``group_by`` is set). Each part keeps the
    wrapped dataset's order.

    Args:
        dataset (BaseDataset | dict): The dataset to split, or its config.
        part (str): ``'train'`` or ``'val'``.
        val_fraction (float): Share of the groups in the val part, in
            (0, 1). Defaults to ``0.1``.
        seed (int): Seed of the split (not the training seed: the split stays
            the same across training seeds). Defaults to ``0``.
        group_by (str, optional): Data-info field whose samples stay
            together. Defaults to ``None`` (each sample alone).
        lazy_init (bool): Defer loading the wrapped dataset until first use.
            Defaults to ``False``.

    Raises:
        ConfigError: For an unknown ``part`` or a fraction outside (0, 1).
        DataError: If a sample lacks the ``group_by`` field, or the dataset
            holds fewer than two groups.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, Dict],
                 part: str,
                 val_fraction: float = 0.1,
                 seed: int = 0,
                 group_by: Optional[str] = None,
                 lazy_init: bool = False) -> None:
        if part not in SPLIT_PARTS:
            raise ConfigError(f'RandomSplitDataset: part must be one of '
                              f'{SPLIT_PARTS}, got {part!r}')
        if not 0.0 < float(val_fraction) < 1.0:
            raise ConfigError('RandomSplitDataset: val_fraction must lie in '
                              f'(0, 1), got {val_fraction!r}')
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)
        self.part = part
        self.val_fraction = float(val_fraction)
        self.seed = int(seed)
        self.group_by = group_by
        self._metainfo = self.dataset.metainfo
        self._indices: List[int] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)  # the wrapped dataset's

    def _group_key(self, idx: int) -> Any:
        if self.group_by is None:
            return idx
        info = self.dataset.get_data_info(idx)
        if self.group_by not in info:
            raise DataError(
                f'RandomSplitDataset: sample {idx} of '
                f'{type(self.dataset).__name__} has no field '
                f'"{self.group_by}" (group_by); its fields: {sorted(info)}')
        return info[self.group_by]

    def full_init(self) -> None:
        """Load the wrapped dataset and compute this part's indices."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        keys = [self._group_key(i) for i in range(len(self.dataset))]
        val_keys = split_groups(keys, self.val_fraction, self.seed)
        want_val = self.part == 'val'
        self._indices = [i for i, k in enumerate(keys)
                         if (k in val_keys) == want_val]
        self._fully_initialized = True

    @property
    @force_full_init
    def indices(self) -> List[int]:
        """Indices into the wrapped dataset of this part's samples."""
        return list(self._indices)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Data info of this part's ``idx``-th sample."""
        return self.dataset.get_data_info(self._indices[idx])

    def __getitem__(self, idx: int) -> Any:
        self.full_init()
        return self.dataset[self._indices[idx]]

    @force_full_init
    def __len__(self) -> int:
        return len(self._indices)

    @property
    def class_counts(self) -> Callable[[], Dict[str, Any]]:
        """The wrapped dataset's ``class_counts`` restricted to this part
        (for :class:`~vlalign.engine.hooks.ClassCountsHook`); an
        ``AttributeError`` when the wrapped dataset has none."""
        counts = getattr(self.dataset, 'class_counts', None)
        if counts is None:
            raise AttributeError('class_counts')
        self.full_init()
        return partial(counts, indices=self._indices)
