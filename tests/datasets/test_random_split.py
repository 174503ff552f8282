"""RandomSplitDataset: disjoint, complete, seeded, grouped, order-free."""
import numpy as np
import pytest
from mmengine.dataset import BaseDataset

from vlalign.datasets import RandomSplitDataset
from vlalign.datasets.random_split import split_groups
from vlalign.utils.errors import ConfigError, DataError


class _Toy(BaseDataset):
    """``n`` samples, ``video = i // per_video``; ``reverse`` flips order."""

    def __init__(self, n=40, per_video=4, reverse=False, **kwargs):
        self.n, self.per_video, self.reverse = n, per_video, reverse
        super().__init__(ann_file='', serialize_data=False,
                         metainfo=dict(classes=('a', 'b')), **kwargs)

    def load_data_list(self):
        data = [dict(uid=f's{i}', video_id=f'v{i // self.per_video}',
                     label=i % 2) for i in range(self.n)]
        return data[::-1] if self.reverse else data

    def class_counts(self, indices=None):
        idx = range(len(self)) if indices is None else indices
        return dict(label=np.bincount(
            [self.get_data_info(i)['label'] for i in idx], minlength=2))


def _uids(ds):
    return [ds.get_data_info(i)['uid'] for i in range(len(ds))]


@pytest.mark.parametrize('group_by', [None, 'video_id'])
def test_parts_are_disjoint_and_complete(group_by):
    kw = dict(val_fraction=0.2, seed=3, group_by=group_by)
    train = RandomSplitDataset(_Toy(), part='train', **kw)
    val = RandomSplitDataset(_Toy(), part='val', **kw)
    assert set(_uids(train)).isdisjoint(_uids(val))
    assert sorted(_uids(train) + _uids(val)) == sorted(_uids(_Toy()))
    assert len(val) == 8  # 20 % of 40 samples, or 2 of 10 videos x 4
    # each part keeps the wrapped dataset's order
    assert train.indices == sorted(train.indices)
    assert train[0] == _Toy()[train.indices[0]]
    assert val.metainfo == dict(classes=('a', 'b'))


def test_groups_stay_together_and_order_does_not_matter():
    kw = dict(part='val', val_fraction=0.3, seed=0, group_by='video_id')
    val = RandomSplitDataset(_Toy(), **kw)
    videos = {val.get_data_info(i)['video_id'] for i in range(len(val))}
    assert len(videos) == 3 and len(val) == 12
    train = RandomSplitDataset(_Toy(), **dict(kw, part='train'))
    assert videos.isdisjoint(
        train.get_data_info(i)['video_id'] for i in range(len(train)))
    # the same annotations in reverse order give the same val samples
    flipped = RandomSplitDataset(_Toy(reverse=True), **kw)
    assert set(_uids(flipped)) == set(_uids(val))


def test_seed_changes_the_split_and_is_reproducible():
    kw = dict(part='val', val_fraction=0.25)
    a = _uids(RandomSplitDataset(_Toy(), seed=0, **kw))
    assert a == _uids(RandomSplitDataset(_Toy(), seed=0, **kw))
    assert a != _uids(RandomSplitDataset(_Toy(), seed=1, **kw))


def test_class_counts_cover_only_the_part():
    train = RandomSplitDataset(_Toy(), part='train', val_fraction=0.5,
                               seed=0)
    labels = [train.get_data_info(i)['label'] for i in range(len(train))]
    assert train.class_counts()['label'].tolist() == np.bincount(
        labels, minlength=2).tolist()
    # a wrapped dataset without class_counts: the wrapper has none either
    class _Plain(_Toy):
        class_counts = None
    plain = RandomSplitDataset(_Plain(), part='train', val_fraction=0.5)
    assert not hasattr(plain, 'class_counts')


def test_builds_from_a_config_inside_repeat_dataset():
    from mmengine.dataset import RepeatDataset
    from vlalign.registry import DATASETS
    DATASETS.register_module(name='_ToySplitTest', module=_Toy, force=True)
    rep = RepeatDataset(dataset=dict(
        type='RandomSplitDataset', part='train', val_fraction=0.25,
        dataset=dict(type='_ToySplitTest')), times=2)
    assert len(rep) == 2 * 30


def test_bad_arguments_fail_clearly():
    with pytest.raises(ConfigError, match='part'):
        RandomSplitDataset(_Toy(), part='test')
    with pytest.raises(ConfigError, match='val_fraction'):
        RandomSplitDataset(_Toy(), part='val', val_fraction=1.0)
    with pytest.raises(DataError, match='no field "person"'):
        RandomSplitDataset(_Toy(), part='val', group_by='person')
    with pytest.raises(DataError, match='1 group'):
        RandomSplitDataset(_Toy(n=4, per_video=4), part='val',
                           group_by='video_id')


def test_split_groups_keeps_both_parts_non_empty():
    assert len(split_groups(list('ab'), 0.01, 0)) == 1
    assert len(split_groups(list('ab'), 0.99, 0)) == 1
    assert len(split_groups(list(range(100)), 0.1, 0)) == 10
