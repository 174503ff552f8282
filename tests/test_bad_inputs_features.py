"""Malformed inputs of the feature/narration path (FeatureCLIP): each is
rejected with a vlalign error naming the file and the key or field at fault,
and nothing is written.

Every case starts from small valid files generated here, breaks one thing and
compares the directory tree before and after the failing call.
"""
import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Dict, List

import numpy as np
import pytest
from mmengine.config import Config

from vlalign.datasets import (FeatureClassificationDataset,
                              FeatureNarrationDataset, FeatureStore,
                              TextEmbeddings)
from vlalign.data_prep.demo.feature_narrations import \
    generate_feature_narrations
from vlalign.data_prep.writers import write_text_embeddings
from vlalign.registry import DATASETS
from vlalign.utils.errors import ConfigError, DataError

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = (REPO_ROOT / 'configs' / 'feature_clip' /
               'featureclip_mlp_1xb32-10e_demo-features.py')


def tree(root: Path) -> List[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob('*'))


def load_tool(relpath: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        '_bad_inputs_' + Path(relpath).stem, REPO_ROOT / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def data(tmp_path: Path) -> Dict[str, str]:
    """Valid generated data (D=12, C=10) in ``tmp_path/d``."""
    out = generate_feature_narrations(str(tmp_path / 'd'), num_train_videos=3,
                                      num_val_videos=2, feature_dim=12,
                                      text_dim=10, segments_per_video=2)
    out['root'] = str(tmp_path)
    return out


def test_hdf5_without_requested_key(data: Dict[str, str]) -> None:
    root = Path(data['root'])
    texts = TextEmbeddings(data['train_narrations'])
    items = [dict(it) for it in texts.items]
    items[2]['video_uid'] = 'video_missing'
    prefix = str(root / 'd' / 'narr_missing')
    write_text_embeddings(prefix, texts.embeddings, items)
    anns = json.load(open(data['classification']))
    anns[1]['key'] = 'video_gone'
    ann_file = root / 'd' / 'cls_missing.json'
    ann_file.write_text(json.dumps(anns))
    before = tree(root)

    with pytest.raises(DataError) as err:
        FeatureNarrationDataset(data['feature_file'], prefix)
    msg = str(err.value)
    assert data['feature_file'] in msg and '"video_missing"' in msg
    assert prefix + '.json' in msg  # who asked for it
    with pytest.raises(DataError) as err:
        FeatureClassificationDataset(data['feature_file'], str(ann_file),
                                     data['class_file'],
                                     data['class_embeddings'])
    assert data['feature_file'] in str(err.value)
    assert '"video_gone"' in str(err.value) and str(ann_file) in str(err.value)
    with pytest.raises(DataError, match=f'{data["feature_file"]}: no feature '
                       'key "video_gone"'):
        FeatureStore(data['feature_file']).get('video_gone')
    assert tree(root) == before


def test_feature_dim_disagrees_with_config(data: Dict[str, str]) -> None:
    root = Path(data['root'])
    cfg = Config.fromfile(str(DEMO_CONFIG))  # expects D=32, C=24
    before = tree(root)
    ds_cfg = dict(cfg.train_dataloader.dataset,
                  feature_file=data['feature_file'],
                  narration_file=data['train_narrations'])
    with pytest.raises(ConfigError) as err:
        DATASETS.build(ds_cfg)
    msg = str(err.value)
    # the text file is checked first: C=10 against text_dim=24
    assert data['train_narrations'] + '.npy' in msg and 'text_dim' in msg
    assert '10-d' in msg and '24-d' in msg
    with pytest.raises(ConfigError) as err:
        DATASETS.build(dict(ds_cfg, text_dim=10))
    msg = str(err.value)
    assert data['feature_file'] in msg and 'feature_dim' in msg
    assert '12-d' in msg and '32-d' in msg
    test_cfg = dict(cfg.test_dataloader.dataset,
                    feature_file=data['feature_file'],
                    ann_file=data['classification'],
                    class_file=data['class_file'],
                    class_embedding_file=data['class_embeddings'],
                    text_dim=10)
    with pytest.raises(ConfigError, match=f'{data["feature_file"]}: features '
                       r'\(feature_dim\) are 12-d'):
        DATASETS.build(test_cfg)
    # and the model names its own field when fed features of another width
    from vlalign.registry import MODELS
    import torch
    model = MODELS.build(cfg.model)
    with pytest.raises(ConfigError, match=r'inputs\["video"\] is 12-d but '
                       r'the model expects 32-d \(ProjectionMLP.in_channels'):
        model(dict(video=torch.zeros(2, 12), text=torch.zeros(2, 24)),
              mode='loss')
    assert tree(root) == before


@pytest.mark.parametrize('case', ['no_text', 'no_time', 'no_pass',
                                  'no_narrations'])
def test_narration_file_without_expected_fields(data: Dict[str, str],
                                                case: str, capsys) -> None:
    root = Path(data['root'])
    doc = json.load(open(data['train_json']))
    video = doc['video_001']
    nar = video['narration_pass_1']['narrations'][1]
    field = {'no_text': 'narration_text', 'no_time': 'timestamp_sec',
             'no_pass': "'narration_pass_1' or 'narration_pass_2'",
             'no_narrations': 'narrations'}[case]
    if case in ('no_text', 'no_time'):
        del nar[field]
    elif case == 'no_pass':
        doc['video_001'] = {'summaries': []}
    else:
        del video['narration_pass_1']['narrations']
    bad = root / 'd' / f'bad_{case}.json'
    bad.write_text(json.dumps(doc))
    out = root / 'out' / 'narrations'
    before = tree(root)
    tool = load_tool('tools/data/encode_narrations.py')
    code = tool.main([str(bad), str(out), '--random-config',
                      json.dumps(dict(hidden_size=8, num_hidden_layers=1,
                                      num_attention_heads=2,
                                      intermediate_size=16)),
                      '--no-progress'])
    assert code == 1
    err = capsys.readouterr().err
    assert str(bad) in err and 'video "video_001"' in err
    assert f'{field}' in err, err
    assert tree(root) == before  # no output, no partial file, no out/ folder
    assert not os.path.exists(str(out) + '.npy')
