import json

import numpy as np
import pytest
import torch

from vlalign.datasets import (FeatureClassificationDataset,
                              FeatureNarrationDataset, FeatureStore,
                              TextEmbeddings, feature_text_collate,
                              get_start_end_idx)
from vlalign.datasets.feature_text_datasets import window_indices
from vlalign.registry import DATASETS

FPS = 30 / 16


@pytest.mark.parametrize('t1,t2,nf,expected', [
    (2.0, 4.0, 100, (3, 8)),      # floor(3.75)=3 .. floor(7.5)=7 -> [3, 8)
    (-5.0, 1.0, 100, (0, 2)),     # t1 < 0 starts at row 0
    (-5.0, 0.0, 100, (0, 1)),     # window ending at 0 s: row 0 alone
    (50.0, 90.0, 100, (93, 100)),  # t2 past the end stops at the last row
    (300.0, 301.0, 100, (99, 100)),  # t1 past the end: the last row alone
    (4.0, 4.0, 100, (7, 8)),      # t1 == t2: exactly one row
    (4.0, 4.1, 100, (7, 8)),      # a window inside one row: one row
    (0.0, 0.0, 1, (0, 1)),        # one-row video
])
def test_get_start_end_idx_edge_cases(t1, t2, nf, expected):
    assert get_start_end_idx(t1, t2, FPS, nf) == expected
    s, e, ok = window_indices(np.array([t1]), np.array([t2]), FPS,
                              np.array([nf]))
    assert ok[0] and (s[0], e[0]) == expected


@pytest.mark.parametrize('t1,t2,nf', [
    (-3.0, -1.0, 10),  # the window ends before the video: empty
    (5.0, 4.0, 10),    # reversed window
    (0.0, 1.0, 0),     # no feature rows
])
def test_get_start_end_idx_empty_windows_raise(t1, t2, nf):
    with pytest.raises(ValueError, match='empty window|no feature rows'):
        get_start_end_idx(t1, t2, FPS, nf)
    *_, ok = window_indices(np.array([t1]), np.array([t2]), FPS,
                            np.array([nf]))
    assert not ok[0]


def test_vectorised_matches_scalar():
    rng = np.random.default_rng(0)
    t = rng.uniform(-2, 70, 500)
    nf = rng.integers(1, 130, 500)
    s, e, ok = window_indices(t - 0.3, t + 0.3, FPS, nf)
    for i in range(500):
        if ok[i]:
            assert (s[i], e[i]) == get_start_end_idx(t[i] - 0.3, t[i] + 0.3,
                                                     FPS, nf[i])
        else:
            assert t[i] + 0.3 < 0


def test_narration_pairs_average_the_window(feature_demo):
    ds = DATASETS.build(dict(
        type='FeatureNarrationDataset',
        feature_file=feature_demo['feature_file'],
        narration_file=feature_demo['train_narrations'], offset_sec=1.0,
        feature_dim=12, text_dim=10))
    texts = TextEmbeddings(feature_demo['train_narrations'])
    store = FeatureStore(feature_demo['feature_file'])
    assert len(ds) == len(texts) == 16 * 3
    for idx in (0, 7, len(ds) - 1):
        item = ds[idx]
        meta = texts.items[idx]
        s, e = get_start_end_idx(meta['timestamp_sec'] - 1.0,
                                 meta['timestamp_sec'] + 1.0, FPS,
                                 store.num_frames(meta['video_uid']))
        assert e - s in (4, 5)  # 2 s at 1.875 rows/s: 3.75 rows + ends
        expected = store.get(meta['video_uid'])[s:e].mean(0)
        torch.testing.assert_close(item['inputs']['video'],
                                   torch.from_numpy(expected))
        torch.testing.assert_close(item['inputs']['text'],
                                   torch.from_numpy(texts.embeddings[idx]))
        assert item['data_samples'] is None  # training needs none
    batch = feature_text_collate([ds[i] for i in range(5)])
    assert batch['inputs']['video'].shape == (5, 12)
    assert batch['inputs']['text'].shape == (5, 10)
    # mmap'd text rows give the same items; test mode adds sample info
    ds2 = FeatureNarrationDataset(feature_demo['feature_file'],
                                  feature_demo['train_narrations'],
                                  offset_sec=1.0, text_in_memory=False,
                                  test_mode=True)
    torch.testing.assert_close(ds2[3]['inputs']['text'],
                               ds[3]['inputs']['text'])
    assert ds2[3]['data_samples'].key == texts.items[3]['video_uid']
    assert ds2.get_data_info(3)['text'] == texts.items[3]['text']


def test_missing_videos_can_be_skipped(feature_demo, tmp_path):
    from vlalign.data_prep.writers import write_text_embeddings
    texts = TextEmbeddings(feature_demo['val_narrations'])
    items = [dict(it) for it in texts.items]
    items[0]['video_uid'] = 'not_in_store'
    items[1]['timestamp_sec'] = -10.0  # window ends before the video
    prefix = str(tmp_path / 'n')
    write_text_embeddings(prefix, texts.embeddings, items)
    ds = FeatureNarrationDataset(feature_demo['feature_file'], prefix,
                                 missing_keys='skip')
    assert len(ds) == len(items) - 2
    torch.testing.assert_close(ds[0]['inputs']['text'],
                               torch.from_numpy(texts.embeddings[2]))


def test_classification_set(feature_demo):
    ds = FeatureClassificationDataset(
        feature_demo['feature_file'], feature_demo['classification'],
        feature_demo['class_file'], feature_demo['class_embeddings'],
        feature_dim=12, text_dim=10, test_mode=True)
    anns = json.load(open(feature_demo['classification']))
    assert len(ds) == len(anns) == 4 * 3
    assert ds.metainfo['classes'][0] == 'cutting vegetables'
    item = ds[1]
    assert item['data_samples'].gt_label.item() == anns[1]['label']
    assert item['inputs']['class_text'].shape == (8, 10)
    store = FeatureStore(feature_demo['feature_file'])
    s, e = get_start_end_idx(anns[1]['start_sec'], anns[1]['end_sec'], FPS,
                             store.num_frames(anns[1]['key']))
    torch.testing.assert_close(
        item['inputs']['video'],
        torch.from_numpy(store.get(anns[1]['key'])[s:e].mean(0)))
    batch = feature_text_collate([ds[i] for i in range(3)])
    assert batch['inputs']['class_text'].shape == (8, 10)  # taken once
    assert batch['inputs']['video'].shape == (3, 12)
