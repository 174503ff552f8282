import json
import os
import pickle

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from vlalign.data_prep.writers import write_feature_store
from vlalign.datasets import FeatureStore
from vlalign.utils.errors import ConfigError, DataError


def _items(dim: int = 6):
    rng = np.random.default_rng(0)
    return [('vid_a', rng.standard_normal((9, dim)).astype(np.float32)),
            ('group/vid_b', rng.standard_normal((4, dim)).astype(np.float32))]


def test_roundtrip_index_and_ranges(tmp_path):
    items = _items()
    path = str(tmp_path / 'f.h5')
    assert write_feature_store(items, path) == path
    index = json.loads((tmp_path / 'f.h5.keys.json').read_text())
    assert index['keys'] == ['vid_a', 'group/vid_b']
    assert index['num_frames'] == [9, 4] and index['dim'] == 6
    store = FeatureStore(path)
    assert len(store) == 2 and 'vid_a' in store and 'nope' not in store
    assert store.keys == ['vid_a', 'group/vid_b'] and store.dim == 6
    assert store.num_frames('group/vid_b') == 4
    np.testing.assert_array_equal(store.get('vid_a'), items[0][1])
    np.testing.assert_array_equal(store.read('vid_a', 2, 5), items[0][1][2:5])
    np.testing.assert_allclose(store.window_mean('vid_a', 2, 5),
                               items[0][1][2:5].mean(0), rtol=1e-6)
    with pytest.raises(DataError, match=r'rows \[3, 3\)'):
        store.read('vid_a', 3, 3)
    with pytest.raises(DataError, match='f.h5.*no feature key "zz"'):
        store.get('zz')


def test_memory_map_and_hdf5_paths_agree(tmp_path):
    path = str(tmp_path / 'f.h5')
    write_feature_store(_items(), path, dtype='float16')
    mapped, plain = FeatureStore(path), FeatureStore(path, mmap=False)
    assert mapped._offsets is not None and plain._offsets is None
    for key in mapped.keys:
        a, b = mapped.read(key, 1, 3), plain.read(key, 1, 3)
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    # gzip makes datasets chunked: no offsets, reads go through h5py
    write_feature_store(_items(), str(tmp_path / 'z.h5'), compression='gzip')
    z = FeatureStore(str(tmp_path / 'z.h5'))
    assert z._offsets is None
    np.testing.assert_array_equal(z.get('vid_a'), _items()[0][1])


def test_without_sidecar_lists_hdf5_keys(tmp_path):
    path = str(tmp_path / 'f.h5')
    write_feature_store(_items(), path)
    os.remove(path + '.keys.json')
    with pytest.warns(UserWarning, match='keys.json not found'):
        store = FeatureStore(path)
    assert sorted(store.keys) == ['group/vid_b', 'vid_a'] and store.dim == 6
    np.testing.assert_array_equal(store.read('group/vid_b', 0, 4),
                                  _items()[1][1])


def test_pickle_drops_handle_and_reopens(tmp_path):
    path = str(tmp_path / 'f.h5')
    write_feature_store(_items(), path)
    for mmap in (True, False):
        store = FeatureStore(path, mmap=mmap)
        store.get('vid_a')  # opens
        assert store._file is not None or store._mm is not None
        clone = pickle.loads(pickle.dumps(store))
        assert clone._file is None and clone._mm is None
        np.testing.assert_array_equal(clone.get('vid_a'), store.get('vid_a'))
    store._pid = -1  # as if inherited through fork: must reopen
    old = store._file
    store.get('vid_a')
    assert store._file is not old and store._pid == os.getpid()


class _Reader(Dataset):
    def __init__(self, store):
        self.store = store

    def __len__(self):
        return 4

    def __getitem__(self, i):
        self.store.read('vid_a', i, i + 1)
        return torch.tensor([os.getpid(), id(self.store._mm)])


def test_each_worker_opens_its_own_map(tmp_path):
    path = str(tmp_path / 'f.h5')
    write_feature_store(_items(), path)
    store = FeatureStore(path)
    store.get('vid_a')  # parent opens before forking
    loader = DataLoader(_Reader(store), batch_size=2, num_workers=1,
                        multiprocessing_context='fork')
    pids = torch.cat([b[:, 0] for b in loader]).unique().tolist()
    assert pids and os.getpid() not in pids


def test_write_rejects_bad_items_and_writes_nothing(tmp_path):
    path = str(tmp_path / 'f.h5')
    bad = [('a', np.zeros((3, 4))), ('b', np.zeros((3, 5)))]
    with pytest.raises(DataError, match='key "b" is 5-d, expected 4-d'):
        write_feature_store(bad, path)
    with pytest.raises(DataError, match='duplicate key "a"'):
        write_feature_store([('a', np.zeros((1, 2)))] * 2, path)
    with pytest.raises(DataError, match=r'shape \(3,\)'):
        write_feature_store([('a', np.zeros(3))], path)
    with pytest.raises(DataError, match='key "a" is 4-d, expected 8-d'):
        write_feature_store(bad, path, expected_dim=8)
    assert os.listdir(tmp_path) == []


def test_check_dim(tmp_path):
    path = str(tmp_path / 'f.h5')
    write_feature_store(_items(), path)
    FeatureStore(path).check_dim(6)
    with pytest.raises(ConfigError, match='f.h5: features are 6-d'):
        FeatureStore(path).check_dim(7)
