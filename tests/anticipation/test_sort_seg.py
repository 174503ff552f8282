"""The original teacher's ``sort_seg``: TemporalOrderSampler puts every
training batch in temporal order, one run of consecutive segments."""
from typing import Dict, List

import pytest
from mmengine.runner import Runner

from vlalign.datasets import ActionHistoryTextDataset, TemporalOrderSampler
from vlalign.datasets import samplers as sampler_module
from vlalign.utils.errors import ConfigError, DataError


@pytest.fixture(scope='module')
def teacher_set(ant_data: Dict) -> ActionHistoryTextDataset:
    return ActionHistoryTextDataset(
        ant_data['train'], ant_data['actions'],
        verb_class_file=ant_data['verb_classes'],
        noun_class_file=ant_data['noun_classes'], hist_len=5)


def _when(ds, i: int) -> tuple:
    info = ds.get_data_info(i)
    return info['video_id'], info['start_frame']


def _temporal_order(ds) -> List[int]:
    return sorted(range(len(ds)), key=lambda i: _when(ds, i))


def _batches(sampler, size: int) -> List[List[int]]:
    order = list(sampler)
    return [order[i:i + size] for i in range(0, len(order), size)]


def test_every_batch_is_a_run_of_consecutive_segments(teacher_set):
    size = 8
    sampler = TemporalOrderSampler(teacher_set, batch_size=size, seed=0)
    assert sorted(sampler) == list(range(len(teacher_set)))  # once each
    assert len(sampler) == len(teacher_set)
    position = {idx: p for p, idx in enumerate(_temporal_order(teacher_set))}
    batches = _batches(sampler, size)
    for batch in batches:
        when = [_when(teacher_set, i) for i in batch]
        assert when == sorted(when)  # oldest first
        # consecutive in the temporal order of the whole training set
        assert [position[i] for i in batch] == list(
            range(position[batch[0]], position[batch[0]] + len(batch)))
    assert all(len(b) == size for b in batches[:-1])
    # the order of the runs is shuffled, differently each epoch
    assert [position[b[0]] for b in batches] != sorted(
        position[b[0]] for b in batches)
    sampler.set_epoch(1)
    assert _batches(sampler, size) != batches
    sampler.set_epoch(0)
    assert _batches(sampler, size) == batches


def test_dataloader_batches_are_the_blocks(teacher_set):
    """Through mmengine's dataloader builder, as a config uses it."""
    size = 6
    loader = Runner.build_dataloader(dict(
        batch_size=size, num_workers=0,
        sampler=dict(type='TemporalOrderSampler', batch_size=size, seed=3),
        collate_fn=dict(type='pseudo_collate'), dataset=teacher_set))
    seen = []
    for batch in loader:
        uids = [s.metainfo['uid'] for s in batch['data_samples']]
        by_uid = {teacher_set.get_data_info(i)['uid']: i
                  for i in range(len(teacher_set))}
        when = [_when(teacher_set, by_uid[u]) for u in uids]
        assert when == sorted(when)
        seen += uids
    assert len(seen) == len(set(seen)) == len(teacher_set)


def test_ranks_get_equal_batch_counts_in_order(teacher_set, monkeypatch):
    size, world = 5, 3
    per_rank = []
    for rank in range(world):
        monkeypatch.setattr(sampler_module, 'get_dist_info',
                            lambda rank=rank: (rank, world))
        sampler = TemporalOrderSampler(teacher_set, batch_size=size, seed=0)
        batches = _batches(sampler, size)
        for batch in batches:
            when = [_when(teacher_set, i) for i in batch]
            assert when == sorted(when)
        per_rank.append(batches)
    assert len({len(b) for b in per_rank}) == 1  # same number of steps
    covered = {i for batches in per_rank for b in batches for i in b}
    assert covered == set(range(len(teacher_set)))


def test_dataset_order_and_bad_arguments(teacher_set):
    sampler = TemporalOrderSampler(teacher_set, batch_size=4, order_by=None,
                                   shuffle=False)
    assert list(sampler) == list(range(len(teacher_set)))
    with pytest.raises(ConfigError, match='batch_size'):
        TemporalOrderSampler(teacher_set, batch_size=0)
    with pytest.raises(DataError, match="no field\\(s\\) \\['frame'\\]"):
        TemporalOrderSampler(teacher_set, batch_size=4, order_by=['frame'])


def test_sorts_a_dataset_stored_out_of_order():
    """Samples stored in random order still come out in temporal runs."""
    import random

    class _Shuffled:
        def __init__(self):
            self.infos = [dict(video_id=f'v{v}', start_frame=f)
                          for v in range(3) for f in range(0, 700, 70)]
            random.Random(0).shuffle(self.infos)

        def __len__(self):
            return len(self.infos)

        def get_data_info(self, i):
            return dict(self.infos[i])

    ds = _Shuffled()
    batches = _batches(TemporalOrderSampler(ds, batch_size=4, seed=0), 4)
    expect = sorted((i['video_id'], i['start_frame']) for i in ds.infos)
    runs = sorted([[_when(ds, i) for i in b] for b in batches])
    assert runs == [expect[i:i + 4] for i in range(0, len(expect), 4)]
