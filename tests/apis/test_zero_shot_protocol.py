"""The zero-shot protocol on configs, the benchmark on a protocol folder,
and the calibration that never sees unseen classes or test samples (more of
the CLI in tests/tools/test_zeroshot_tool.py)."""
import contextlib
import io
import json
import os.path as osp
import pickle
import runpy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from vlalign.apis import apply_zero_shot, format_zero_shot_table
from vlalign.apis.zero_shot_benchmark import summarize
from vlalign.apis.zero_shot_calibration import (check_calibration,
                                                run_calibration,
                                                write_calibration_pickle)
from vlalign.classes import load_class_names
from vlalign.classes.protocols import load_protocol, write_protocol
from vlalign.datasets import load_pose_annotations
from vlalign.utils.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


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


def _tiny_protocol(demo_data: str, root: Path):
    """The demo's 24 seen / 6 unseen classes, 4 seen ones as val.txt."""
    seen = load_class_names(f'{demo_data}/seen.txt')
    return write_protocol(
        str(root), seen, load_class_names(f'{demo_data}/unseen.txt'),
        load_class_names(f'{demo_data}/classes.txt'), val=seen[:4],
        meta=dict(train_split='train', test_split='test', paper='test'))


def test_calibration_pickle_holds_seen_training_samples_only(demo_data,
                                                             tmp_path):
    src = f'{demo_data}/demo_skeleton.pkl'
    classes = load_class_names(f'{demo_data}/classes.txt')
    seen = load_class_names(f'{demo_data}/seen.txt')
    out = tmp_path / 'cal.pkl'
    split = write_calibration_pickle(src, 'train', f'{demo_data}/classes.txt',
                                     seen, 0.25, seed=3, out=str(out))
    data = pickle.loads(out.read_bytes())
    assert data['split'] == split and set(data['split']) == {'cal_train',
                                                             'cal_val'}
    train = load_pose_annotations(src, 'train')
    seen_train = {a['frame_dir'] for a in train if classes[a['label']] in seen}
    cal_train, cal_val = set(split['cal_train']), set(split['cal_val'])
    assert cal_train | cal_val == seen_train and not cal_train & cal_val
    assert {a['frame_dir'] for a in data['annotations']} == seen_train
    # every class is cut (4 samples each: 1 to cal_val), seeded
    per_class = {}
    for a in data['annotations']:
        per_class.setdefault(a['label'], []).append(a['frame_dir'] in cal_val)
    assert all(sum(v) == 1 for v in per_class.values())
    again = write_calibration_pickle(src, 'train', f'{demo_data}/classes.txt',
                                     seen, 0.25, seed=3,
                                     out=str(tmp_path / 'again.pkl'))
    assert again == split
    with pytest.raises(ConfigError, match='--val-fraction'):
        write_calibration_pickle(src, 'train', f'{demo_data}/classes.txt',
                                 seen, 1.5, seed=3, out=str(tmp_path / 'x.pkl'))


def _checkpoint_classes(path: str):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return tuple(ckpt['meta']['dataset_meta']['classes'])


def test_benchmark_zsl_model_trains_on_every_seen_class(
        tiny_demo_config, demo_data, tmp_path):
    """Done-when: the ZSL model of a fixed protocol is trained on every seen
    class (and every training sample of them); the calibration model on
    seen - val; the table is printed."""
    cfg = tiny_demo_config(extra='train_cfg = dict(max_epochs=1)')
    protocol = _tiny_protocol(demo_data, tmp_path / 'protocol')
    work = tmp_path / 'bench'
    main = runpy.run_path(str(REPO / 'tools/benchmark_zeroshot.py'))['main']
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([str(cfg), '--protocol', protocol.root, '--seeds', '0',
                   '--scheme', 'both', '--work-dir', str(work)])
    assert rc == 0
    text = out.getvalue()
    for row in ('zsl/top1', 'zsl/top5', 'gzsl/hmean', 'gzsl_cs/hmean',
                'mean_class_acc', 'train_min/zsl_model', 'mean +- std',
                'held-out scheme'):
        assert row in text, row
    result = json.loads((work / 'zeroshot_benchmark.json').read_text())
    run = result['runs'][0]
    assert result['protocol']['seen'] == list(protocol.seen)

    # the ZSL model: every seen class, the whole training split
    zsl_ckpt = run['checkpoints']['zsl_model']
    assert _checkpoint_classes(zsl_ckpt) == protocol.seen
    done = json.loads((work / 'seed_0/zsl_model/train_done.json').read_text())
    assert done['split'] == 'train' and done['classes'] == list(protocol.seen)
    assert done['ann_file'] == f'{demo_data}/demo_skeleton.pkl'

    # the calibration model: seen - val, val posing as unseen
    val = set(protocol.val)
    trained = [n for n in protocol.seen if n not in val]
    assert run['calibration']['trained_classes'] == trained
    assert set(run['calibration']['heldout_classes']) == val
    assert _checkpoint_classes(run['checkpoints']['calibration']) == \
        tuple(trained)
    record = json.loads(Path(run['calibration']['record']).read_text())
    assert record['gamma'] == run['gamma'] and np.isfinite(run['gamma'])
    assert not set(record['trained_classes'] + record['heldout_classes']) & \
        set(protocol.unseen)
    assert {'zsl/top1', 'gzsl/hmean', 'gzsl_cs/hmean'} <= set(run['metrics'])
    assert {'zsl/top1', 'gzsl_cs/hmean'} <= set(run['heldout_metrics'])
    assert set(result['summary']) >= {'zsl/top1', 'calibration/gamma',
                                      'train_min/zsl_model'}

    # a rerun reuses the finished trainings instead of training again
    with contextlib.redirect_stdout(io.StringIO()) as again:
        assert main([str(cfg), '--protocol', protocol.root, '--seeds', '0',
                     '--work-dir', str(work)]) == 0
    assert 'reusing the finished training' in again.getvalue()
    assert json.loads((work / 'zeroshot_benchmark.json').read_text())[
        'runs'][0]['metrics'] == run['metrics']
    # --calibration-only: the records for tools/zeroshot.py --calibrate-on
    with contextlib.redirect_stdout(io.StringIO()) as cal_only:
        assert main([str(cfg), '--protocol', protocol.root, '--seeds', '0',
                     '--calibration-only', '--work-dir', str(work), '--out',
                     str(tmp_path / 'cal_only.json')]) == 0
    assert f'record {run["calibration"]["record"]}' in cal_only.getvalue()
    only = json.loads((tmp_path / 'cal_only.json').read_text())
    assert 'summary' not in only and only['runs'][0]['gamma'] == run['gamma']
    assert 'metrics' not in only['runs'][0]


def _poison(src: str, dst: Path, unseen: set, classes: list) -> None:
    """Replace the poses of every test sample and every unseen-class sample
    with noise, and shuffle their labels (unseen ones among unseen labels,
    test ones among all)."""
    data = pickle.loads(Path(src).read_bytes())
    rng = np.random.default_rng(123)
    test = set(data['split']['test'])
    annos = data['annotations']
    unseen_ids = [classes.index(n) for n in unseen]
    hit = [a for a in annos if a['frame_dir'] in test
           or classes[a['label']] in unseen]
    test_labels = rng.permutation([a['label'] for a in hit
                                   if a['frame_dir'] in test])
    it = iter(test_labels)
    for a in hit:
        a['keypoint'] = rng.uniform(0, 500, a['keypoint'].shape).astype(
            np.float32)
        a['keypoint_score'] = rng.uniform(0, 1, a['keypoint_score'].shape
                                          ).astype(np.float32)
        if a['frame_dir'] in test:
            a['label'] = int(next(it))
        else:
            a['label'] = int(rng.choice(unseen_ids))
    dst.write_bytes(pickle.dumps(data))


def test_calibration_constant_ignores_unseen_and_test_samples(
        tiny_demo_config, demo_data, tmp_path):
    """Done-when: poisoning the unseen and test samples (labels shuffled,
    poses replaced) leaves the calibration constant unchanged."""
    classes = load_class_names(f'{demo_data}/classes.txt')
    # No val.txt (as NW-UCLA): the held-out classes are a seeded draw too.
    protocol = write_protocol(
        str(tmp_path / 'protocol'), load_class_names(f'{demo_data}/seen.txt'),
        load_class_names(f'{demo_data}/unseen.txt'), classes,
        meta=dict(train_split='train', test_split='test'))
    records = []
    for poisoned in (False, True):
        ann = f'{demo_data}/demo_skeleton.pkl'
        if poisoned:
            ann = str(tmp_path / 'poisoned.pkl')
            _poison(f'{demo_data}/demo_skeleton.pkl', Path(ann),
                    set(protocol.unseen), classes)
        cfg = Config.fromfile(str(tiny_demo_config(
            extra='train_cfg = dict(max_epochs=1)')))
        for loader in ('train_dataloader', 'test_dataloader'):
            cfg[loader].dataset.ann_file = ann
        records.append(run_calibration(
            cfg, protocol, seed=0, work_dir=str(tmp_path / f'cal_{poisoned}'),
            log=lambda m: None))
    clean, dirty = records
    assert clean['gamma'] == dirty['gamma']
    assert clean['metrics'] == dirty['metrics']
    assert clean['samples'] == dirty['samples']
    assert clean['heldout_classes'] == dirty['heldout_classes']
    assert len(clean['heldout_classes']) == protocol.default_num_heldout()
    used = set(clean['samples']['cal_train'] + clean['samples']['cal_val'])
    test = {a['frame_dir'] for a in load_pose_annotations(
        f'{demo_data}/demo_skeleton.pkl', 'test')}
    assert used and not used & test


def test_calibration_record_refused_on_its_own_data(demo_data, tmp_path):
    record = dict(kind='vlalign zero-shot calibration', gamma=0.5,
                  trained_classes=['a', 'b'], heldout_classes=['c'],
                  samples=dict(cal_train=['s1', 's2'], cal_val=['s3']),
                  average_clips='score')
    check_calibration(record, ['d', 'e'], ['t1', 't2'])
    with pytest.raises(ConfigError, match=r"unseen in this evaluation: \['c'\]"):
        check_calibration(record, ['c', 'd'], ['t1'], source='cal.json')
    with pytest.raises(ConfigError, match=r"used 1 samples of the test split "
                       r"\(e.g. \['s3'\]\)"):
        check_calibration(record, ['d'], ['t1', 's3'])


def test_apply_zero_shot_with_a_calibration_record(tiny_demo_config,
                                                   demo_data, tmp_path):
    test = [a['frame_dir'] for a in load_pose_annotations(
        f'{demo_data}/demo_skeleton.pkl', 'test')]
    unseen = load_class_names(f'{demo_data}/unseen.txt')
    seen = load_class_names(f'{demo_data}/seen.txt')
    record = dict(kind='vlalign zero-shot calibration', gamma=1.25,
                  trained_classes=seen[4:], heldout_classes=seen[:4],
                  samples=dict(cal_train=['x'], cal_val=['y']),
                  average_clips='score')
    path = tmp_path / 'calibration.json'
    path.write_text(json.dumps(record))
    cfg = Config.fromfile(str(tiny_demo_config()))
    gamma = apply_zero_shot(cfg, labels=f'{demo_data}/classes.txt',
                            unseen=f'{demo_data}/unseen.txt',
                            data_split='test', calibration=str(path))
    assert gamma == 1.25 and cfg.test_evaluator[1]['calibration_gamma'] == 1.25
    assert cfg.model.test_cfg['average_clips'] == 'score'
    for bad, msg in ((dict(heldout_classes=unseen[:1]), 'unseen in this'),
                     (dict(samples=dict(cal_val=test[:2])), 'samples of')):
        path.write_text(json.dumps(dict(record, **bad)))
        with pytest.raises(ConfigError, match=msg):
            apply_zero_shot(Config.fromfile(str(tiny_demo_config())),
                            labels=f'{demo_data}/classes.txt',
                            unseen=f'{demo_data}/unseen.txt',
                            data_split='test', calibration=str(path))
    with pytest.raises(ConfigError, match='not both'):
        apply_zero_shot(Config.fromfile(str(tiny_demo_config())),
                        unseen=f'{demo_data}/unseen.txt', gamma=1.0,
                        calibration=str(path))
    with pytest.raises(ConfigError, match='--calibrate-on needs --split'):
        apply_zero_shot(Config.fromfile(str(tiny_demo_config())),
                        calibration=str(path))


def test_summary_mean_std_over_seeds():
    runs = [dict(seed=s, unseen=['a', 'b'], gamma=0.1 * s,
                 train_minutes=dict(zsl_model=2.0, calibration=1.0),
                 metrics={'zsl/top1': v, 'gzsl_cs/hmean': v / 2})
            for s, v in ((0, 0.5), (1, 0.6))]
    summary = summarize(runs)
    assert summary['zsl/top1']['mean'] == pytest.approx(0.55)
    assert summary['zsl/top1']['std'] == pytest.approx(0.0707, abs=1e-3)
    assert summary['zsl/chance']['mean'] == 0.5
    assert summary['calibration/gamma']['values'] == [0.0, 0.1]
    assert summary['train_min/zsl_model']['mean'] == 2.0
    held = summarize([dict(r, heldout_metrics=r['metrics']) for r in runs],
                     'heldout_metrics')
    assert 'train_min/zsl_model' not in held and 'zsl/top1' in held


def test_protocol_checked_against_the_config(tiny_demo_config, demo_data,
                                             tmp_path):
    from vlalign.apis.zero_shot_benchmark import check_protocol
    from vlalign.utils.errors import DataError
    cfg = Config.fromfile(str(tiny_demo_config()))
    classes = load_class_names(f'{demo_data}/classes.txt')
    good = _tiny_protocol(demo_data, tmp_path / 'good')
    assert check_protocol(cfg, good)['test_split'] == 'test'
    same = write_protocol(str(tmp_path / 'same'), good.seen, good.unseen,
                          classes, meta=dict(train_split='train',
                                             test_split='train'))
    with pytest.raises(ConfigError, match='share 120 samples'):
        check_protocol(cfg, same)
    other = write_protocol(str(tmp_path / 'other'), good.seen[1:],
                           good.unseen + ('x', ), classes[1:] + ['x'])
    with pytest.raises(DataError, match=r"does not match the label file "
                       r".*classes.txt: classes not in the file \['x'\]"):
        check_protocol(cfg, other)
    nosplit = write_protocol(str(tmp_path / 'nosplit'), good.seen,
                             good.unseen, classes,
                             meta=dict(test_split='nope'))
    with pytest.raises(DataError, match='unknown split "nope"'):
        check_protocol(cfg, nosplit)
