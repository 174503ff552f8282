"""MS-TCN layout reader, label embedding cache, padding collate, generator."""
from pathlib import Path

import numpy as np
import pytest
import torch

from vlalign.apis import prepare_label_embeddings
from vlalign.classes import label_embeddings as le
from vlalign.datasets.segmentation_features import (
    SegmentationFeatureDataset, pad_segmentation_batch, parse_mapping_file,
    read_frame_labels)
from vlalign.registry import DATASETS, MODELS
from vlalign.utils.errors import ConfigError, DataError

from semantic_tcn_helpers import TINY_TEXT_ENCODER, make_tiny_data


def test_mapping_file_parsing(tmp_path: Path) -> None:
    path = tmp_path / 'mapping.txt'
    path.write_text('# comment\nSIL "no action"\n\ntake \'take a cup\'\n'
                    'pour pour the water\n')
    assert parse_mapping_file(str(path)) == {
        'SIL': 'no action', 'take': 'take a cup', 'pour': 'pour the water'}
    for body, msg in (('a "x"\na "y"\n', ':2: label \'a\' is listed twice'),
                      ('a "x\n', ':1: unterminated quote'),
                      ('a\n', ':1: expected <label>'),
                      ('a ""\n', ':1: empty description')):
        path.write_text(body)
        with pytest.raises(DataError, match=msg) as err:
            parse_mapping_file(str(path))
        assert str(path) in str(err.value)


def test_frame_labels_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / 'v.txt'
    path.write_text('a\na\nb\nzzz\n')
    with pytest.raises(DataError, match=r"v.txt:4: label 'zzz'"):
        read_frame_labels(str(path), {'a': 0, 'b': 1})
    path.write_text('a\nb\n')
    assert read_frame_labels(str(path), {'a': 0, 'b': 1}).tolist() == [0, 1]


def test_generator_is_deterministic_and_in_layout(tmp_path: Path) -> None:
    a = make_tiny_data(tmp_path / 'a', seed=3)
    make_tiny_data(tmp_path / 'b', seed=3)
    make_tiny_data(tmp_path / 'c', seed=4)
    fa = np.load(tmp_path / 'a/features/train_0000.npy')
    assert fa.shape[0] == 64 and fa.dtype == np.float32  # (D, T)
    labels = (tmp_path / 'a/groundTruth/train_0000.txt').read_text().split()
    assert fa.shape[1] == len(labels)
    np.testing.assert_array_equal(fa, np.load(tmp_path / 'b/features/train_0000.npy'))
    assert not np.array_equal(fa[:, :10], np.load(
        tmp_path / 'c/features/train_0000.npy')[:, :10])
    assert a['num_videos'] == dict(train=8, test=4)
    assert (tmp_path / 'a/splits/test.split1.bundle').read_text().count(
        '.txt') == 4


def test_embedding_cache_computed_once_and_keyed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = le.encode_texts
    monkeypatch.setattr(le, 'encode_texts',
                        lambda t, e, **kw: calls.append(list(t)) or real(t, e, **kw))
    encoder = MODELS.build(dict(TINY_TEXT_ENCODER))
    cache = str(tmp_path / 'emb.pth')
    texts = {'a': 'take a cup', 'b': 'pour water'}
    first = le.load_label_embeddings(cache, texts, TINY_TEXT_ENCODER, encoder)
    again = le.load_label_embeddings(cache, texts, TINY_TEXT_ENCODER, encoder)
    assert len(calls) == 1 and first['a'].shape == (32, )
    torch.testing.assert_close(first['b'], again['b'])
    saved = torch.load(cache, weights_only=False)
    assert set(saved['embeddings']) == {'a', 'b'}
    # a changed description is stale: an error without an encoder (a
    # dataset never builds one), recomputed with it, never served stale
    with pytest.raises(ConfigError, match='from other texts'):
        le.load_label_embeddings(cache, {**texts, 'b': 'spill water'},
                                 TINY_TEXT_ENCODER)
    le.load_label_embeddings(cache, {**texts, 'b': 'spill water'},
                             TINY_TEXT_ENCODER, encoder)
    assert len(calls) == 2
    # the original format (embeddings only) is read without an encoder
    torch.save({'embeddings': {'a': torch.ones(3), 'b': torch.zeros(3)}},
               cache)
    out = le.load_label_embeddings(cache, texts)
    assert out['a'].tolist() == [1, 1, 1]
    with pytest.raises(DataError, match=r"no embedding for label\(s\) \['c'\]"):
        le.load_label_embeddings(cache, {**texts, 'c': 'x'})
    with pytest.raises(ConfigError, match='no text_encoder'):
        le.load_label_embeddings(str(tmp_path / 'none.pth'), texts)
    assert not list(tmp_path.glob('.*tmp'))


def test_dataset_samples_and_errors(tmp_path: Path) -> None:
    make_tiny_data(tmp_path)
    ds_cfg = dict(type='SegmentationFeatureDataset',
                  ann_file='splits/train.split1.bundle',
                  data_root=str(tmp_path), text_encoder=TINY_TEXT_ENCODER)
    with pytest.raises(ConfigError, match='does not exist; tools/train.py'):
        DATASETS.build(ds_cfg)  # the dataset itself builds no encoder
    assert prepare_label_embeddings(
        dict(train_dataloader=dict(dataset=ds_cfg))) == [
            str(tmp_path / 'label_embeddings.pth')]
    ds = DATASETS.build(ds_cfg)
    assert len(ds) == 8 and ds.metainfo['classes'][0] == 'background'
    s = ds[0]
    t = len(s['labels'])
    assert s['features'].shape == (t, 64) and s['targets'].shape == (t, 32)
    torch.testing.assert_close(s['targets'][0],
                               ds.label_embeddings[s['labels'][0]])
    half = SegmentationFeatureDataset(
        ann_file='splits/train.split1.bundle', data_root=str(tmp_path),
        sample_rate=2)  # cache exists now: no encoder needed
    assert len(half[0]['labels']) == (t + 1) // 2
    # a feature file shorter than its labels
    feat = tmp_path / 'features/train_0001.npy'
    np.save(feat, np.load(feat)[:, :-1])
    with pytest.raises(DataError, match=r"train_0001.*frames but .* labels"):
        ds[1]
    (tmp_path / 'splits/bad.bundle').write_text('train_0000.txt\nnope.txt\n')
    with pytest.raises(DataError, match=r"bad.bundle:2: video 'nope'"):
        SegmentationFeatureDataset(ann_file='splits/bad.bundle',
                                   data_root=str(tmp_path))


def test_collate_pads_to_longest_with_mask() -> None:
    batch = [dict(features=torch.ones(3, 4), labels=torch.tensor([0, 1, 1]),
                  targets=torch.ones(3, 2), video='a'),
             dict(features=torch.ones(5, 4) * 2, labels=torch.arange(5),
                  targets=torch.ones(5, 2) * 2, video='b')]
    out = pad_segmentation_batch(batch)
    x, s = out['inputs'], out['data_samples']
    assert x.shape == (2, 5, 4) and s['targets'].shape == (2, 5, 2)
    assert s['mask'].tolist() == [[True] * 3 + [False] * 2, [True] * 5]
    assert s['labels'][0].tolist() == [0, 1, 1, -1, -1]
    assert x[0, 3:].abs().sum() == 0 and s['videos'] == ['a', 'b']
    assert s['lengths'].tolist() == [3, 5]


def test_original_config_validates_on_held_out_training_videos(
        tmp_path: Path) -> None:
    """The MS-TCN recipe's carve: label embeddings are prepared through the
    wrapper, train and val hold disjoint training videos, test the test
    bundle."""
    from mmengine.config import Config

    from semantic_tcn_helpers import ORIGINAL_CONFIG
    root = tmp_path / 'data'
    make_tiny_data(root, num_train=10, num_test=3)
    cfg = Config.fromfile(str(ORIGINAL_CONFIG))
    for ds in (cfg.train_dataloader.dataset.dataset,
               cfg.val_dataloader.dataset.dataset, cfg.test_dataloader.dataset):
        ds['data_root'] = str(root)
        ds['text_encoder'] = dict(TINY_TEXT_ENCODER)  # replaced, not merged
    assert prepare_label_embeddings(cfg) == [str(root / 'label_embeddings.pth')]
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    videos = lambda ds: {ds.get_data_info(i)['video']  # noqa: E731
                         for i in range(len(ds))}
    assert len(val) == 1 and len(train) == 9  # 10 % of the 10 videos
    assert videos(train).isdisjoint(videos(val))
    assert videos(test).isdisjoint(videos(train) | videos(val))
    assert val.metainfo['classes'] == train.metainfo['classes']
