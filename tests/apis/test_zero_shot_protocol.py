"""The zero-shot protocol on configs and the seeded benchmark driver (the
CLI is tested in tests/tools/test_zeroshot_tool.py)."""
import pickle

import pytest
from mmengine.config import Config

from vlalign.apis import apply_zero_shot, format_zero_shot_table
from vlalign.apis.zero_shot_benchmark import (run_seed, summarize,
                                              write_protocol_pickle)
from vlalign.classes import load_class_names
from vlalign.datasets import load_pose_annotations
from vlalign.utils.errors import ConfigError


def test_apply_zero_shot_rewrites_test_side_only(tiny_demo_config, demo_data):
    cfg = Config.fromfile(str(tiny_demo_config()))
    train_before = cfg.train_dataloader.to_dict()
    apply_zero_shot(cfg, labels=f'{demo_data}/classes.txt',
                    unseen=f'{demo_data}/unseen.txt', prompts=['person'],
                    gamma=0.1, data_split='val')
    ds = cfg.test_dataloader.dataset
    assert ds.class_subset is None and ds.split == 'val'
    assert cfg.model.templates == 'person'
    assert [m['type'] for m in cfg.test_evaluator] == ['AccMetric',
                                                      'ZeroShotMetric']
    assert cfg.test_evaluator[1]['calibration_gamma'] == 0.1
    assert cfg.train_dataloader.to_dict() == train_before

    cfg = Config.fromfile(str(tiny_demo_config()))
    apply_zero_shot(cfg, seen=['a'], unseen=['b', 'c'], prompts=['x {}', '{}'])
    assert cfg.test_dataloader.dataset.class_subset == ['a', 'b', 'c']
    assert cfg.model.templates == ['x {}', '{}']
    with pytest.raises(ConfigError, match='--split'):
        apply_zero_shot(Config.fromfile(str(tiny_demo_config())), gamma=0.5)


def test_table_lists_known_metrics_first():
    table = format_zero_shot_table({'zz': 1.0, 'zsl/top1': 0.5,
                                    'gzsl/hmean': float('nan')}, 'title')
    lines = table.splitlines()
    assert lines[0] == 'title'
    assert 'ZSL top-1' in lines[2] and lines[2].endswith('0.5000')
    assert lines[-1].startswith('zz')


def test_protocol_pickle_cuts_train_split(demo_data, tmp_path):
    src = f'{demo_data}/demo_skeleton.pkl'
    out = tmp_path / 'p.pkl'
    write_protocol_pickle(src, 'train', 'test', 0.25, seed=3, out=str(out))
    data = pickle.loads(out.read_bytes())
    train = {a['frame_dir'] for a in load_pose_annotations(src, 'train')}
    zs_train, zs_val = set(data['split']['zs_train']), set(data['split']['zs_val'])
    assert zs_train | zs_val == train and not zs_train & zs_val
    assert len(zs_val) == round(0.25 * len(train))
    assert data['split']['test'] == [
        a['frame_dir'] for a in load_pose_annotations(src, 'test')]
    write_protocol_pickle(src, 'train', 'test', 0.25, seed=3,
                          out=str(tmp_path / 'q.pkl'))
    assert pickle.loads((tmp_path / 'q.pkl').read_bytes())['split'] == data['split']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['p.pkl', 'q.pkl']


def test_benchmark_seed_never_trains_on_unseen_or_heldout(
        tiny_demo_config, tmp_path):
    cfg = Config.fromfile(str(tiny_demo_config(
        extra='train_cfg = dict(max_epochs=1)')))
    run = run_seed(cfg, num_unseen=6, num_heldout=4, seed=0,
                   work_dir=str(tmp_path / 'seed_0'))
    assert len(run['unseen']) == 6 and len(run['heldout']) == 4
    assert not set(run['train_seen']) & (set(run['unseen']) | set(run['heldout']))
    for name in ('unseen', 'heldout', 'train_seen'):
        assert load_class_names(str(tmp_path / 'seed_0' / f'{name}.txt')) == \
            run[name]
    assert {'zsl/top1', 'gzsl/hmean', 'gzsl_cs/hmean'} <= set(run['metrics'])
    assert run['gamma'] == run['gamma']  # a number, not nan
    summary = summarize([run, dict(run, metrics={
        k: v + 0.1 for k, v in run['metrics'].items()})], num_unseen=6)
    assert summary['zsl/top1']['std'] == pytest.approx(0.0707, abs=1e-3)
    assert summary['zsl/chance']['mean'] == pytest.approx(1 / 6)
