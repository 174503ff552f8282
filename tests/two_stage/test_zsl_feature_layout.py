"""The published-layout reader and writer, and the dataset over them."""
import json
import os.path as osp

import numpy as np
import pytest

from vlalign.datasets import ZSLFeatureDataset, load_zsl_features
from vlalign.data_prep.writers import write_zsl_features
from vlalign.datasets.zsl_features import SPLIT_FILES, ZSLFeatureSplit
from vlalign.utils.errors import DataError


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    splits = {s: ZSLFeatureSplit(rng.random((5 + i, 8)).astype(np.float32),
                                 rng.integers(0, 4, 5 + i),
                                 rng.random((5 + i, 3, 8)).astype(np.float32))
              for i, s in enumerate(SPLIT_FILES)}
    write_zsl_features(str(tmp_path), splits, meta=dict(note='test'))
    # The published names, as SynSE / SA-DVAE ship them.
    for name in ('train.npy', 'train_label.npy', 'ztest.npy', 'z_label.npy',
                 'gtest.npy', 'g_label.npy', 'train_frames.npy'):
        assert (tmp_path / name).is_file()
    back = load_zsl_features(str(tmp_path), frames=True, num_classes=4)
    for s, data in splits.items():
        np.testing.assert_array_equal(back.splits[s].features, data.features)
        np.testing.assert_array_equal(back.splits[s].labels, data.labels)
        np.testing.assert_array_equal(back.splits[s].frames, data.frames)
    assert back.meta == dict(note='test') and back.dim == 8


def test_published_files_without_frames_or_meta(tmp_path):
    # A folder as SynSE ships it: six .npy files, labels possibly [N, 1].
    for s, (f, l) in SPLIT_FILES.items():
        np.save(tmp_path / f, np.ones((3, 4), np.float32))
        np.save(tmp_path / l, np.array([[0], [1], [2]]))
    back = load_zsl_features(str(tmp_path))
    assert back.splits['gtest'].labels.tolist() == [0, 1, 2]
    assert back.splits['train'].frames is None and back.meta == {}


@pytest.mark.parametrize('breaks,match', [
    (lambda d: np.save(d / 'z_label.npy', np.array([0, 1])), 'labels for'),
    (lambda d: np.save(d / 'g_label.npy', np.array([0, 1, 9])),
     'row 2 has label 9'),
    (lambda d: np.save(d / 'ztest.npy', np.ones((3, 4, 2), np.float32)),
     'float \\[N, C\\]'),
    (lambda d: (d / 'train.npy').unlink(), 'train features not found'),
])
def test_bad_files_name_the_file(tmp_path, breaks, match):
    for s, (f, l) in SPLIT_FILES.items():
        np.save(tmp_path / f, np.ones((3, 4), np.float32))
        np.save(tmp_path / l, np.array([0, 1, 2]))
    breaks(tmp_path)
    with pytest.raises(DataError, match=match):
        load_zsl_features(str(tmp_path), num_classes=4)


def test_dataset_metainfo_and_global_labels(zsl_set):
    ds = ZSLFeatureDataset(feature_dir=zsl_set['features'],
                           protocol=zsl_set['protocol'], split='gtest',
                           frames=True)
    assert ds.metainfo['classes'] == tuple(zsl_set['classes'])
    seen = open(osp.join(zsl_set['protocol'], 'seen.txt')).read().split()
    assert len(ds.metainfo['seen_classes']) == 6
    item = ds[0]
    assert item['inputs']['feature'].shape == (32, )
    assert item['inputs']['frames'].shape == (4, 32)
    assert int(item['data_samples'].gt_label) == int(ds.labels[0])
    assert seen


def test_train_split_drops_rows_of_other_classes(zsl_set, tmp_path):
    data = load_zsl_features(zsl_set['features'], frames=True)
    # Poison: append unseen-class rows (from gtest) to train.npy.
    g = data.splits['gtest']
    unseen_rows = ~np.isin(g.labels, np.unique(data.splits['train'].labels))
    poisoned = dict(data.splits)
    poisoned['train'] = ZSLFeatureSplit(
        np.concatenate([data.splits['train'].features,
                        np.full_like(g.features[unseen_rows], np.nan)]),
        np.concatenate([data.splits['train'].labels, g.labels[unseen_rows]]),
        np.concatenate([data.splits['train'].frames,
                        np.full_like(g.frames[unseen_rows], np.nan)]))
    write_zsl_features(str(tmp_path), poisoned)
    ds = ZSLFeatureDataset(feature_dir=str(tmp_path),
                           protocol=zsl_set['protocol'], split='train',
                           frames=True)
    assert len(ds) == len(data.splits['train'].labels)
    assert not ds.features.isnan().any() and not ds.frame_features.isnan().any()
    assert json.load(open(tmp_path / 'meta.json')) == {}
