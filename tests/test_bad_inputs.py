"""Malformed inputs: each is rejected with a vlalign error that names the file
and the sample or field at fault, and nothing is written.

Every case starts from small valid files written here, breaks one thing, and
snapshots the directory tree before and after the failing call. Datasets are
built in-process; the command-line cases run ``tools/train.py`` and
``tools/test.py`` as subprocesses (a few) or through their ``main`` (the rest).
"""
import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Callable, Dict, List, Tuple

import numpy as np
import pytest
import torch

from vlalign.datasets import PoseTextDataset
from vlalign.engine.hooks.class_texts_hook import ClassTextsHook
from vlalign.registry import MODELS
from vlalign.utils.errors import ConfigError, DataError, VlalignError
from vlalign.utils.launch import (ResumeError, apply_auto_resume,
                                  find_resumable_checkpoint)
from vlalign.apis.preflight import check_config
from vlalign.utils.registry_errors import (close_registered_names,
                                           explain_unknown_type)

REPO_ROOT = Path(__file__).resolve().parents[1]
CLASSES = ('jump up', 'sit down', 'wave', 'clap')
NUM_SAMPLES = 6
PIPELINE = [dict(type='UniformSampleFrames', clip_len=4),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=1),
            dict(type='PackActionInputs')]


# ----------------------------------------------------------------- helpers
def tree(root: Path) -> Dict[str, Tuple[int, int]]:
    """Every file and folder under ``root`` with its size and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            stat = path.stat()
            out[str(path.relative_to(root))] = (stat.st_size,
                                                stat.st_mtime_ns)
    return out


def valid_annotations(frames: int = 6) -> List[Dict]:
    """Well-formed COCO-17 annotations ``v0`` ... ``v5``, labels 0..3."""
    rng = np.random.default_rng(0)
    return [dict(frame_dir=f'v{i}', label=i % len(CLASSES),
                 img_shape=(64, 64), original_shape=(64, 64),
                 total_frames=frames,
                 keypoint=rng.random((1, frames, 17, 2)).astype(np.float32),
                 keypoint_score=np.ones((1, frames, 17), np.float32))
            for i in range(NUM_SAMPLES)]


def write_pickle(path: Path, annos: List[Dict], split: bool = True) -> Path:
    """A PoseDataset pickle: ``train`` = v0..v3, ``val`` = v4, v5."""
    names = [a['frame_dir'] for a in annos]
    data = dict(split=dict(train=names[:4], val=names[4:]),
                annotations=annos) if split else dict(annotations=annos)
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return path


def write_labels(path: Path, names=CLASSES) -> Path:
    path.write_text(''.join(f'{n}\n' for n in names))
    return path


@pytest.fixture
def files(tmp_path: Path) -> SimpleNamespace:
    """A valid pickle and label file in ``tmp_path``."""
    return SimpleNamespace(ann=write_pickle(tmp_path / 'ann.pkl',
                                            valid_annotations()),
                           classes=write_labels(tmp_path / 'classes.txt'),
                           root=tmp_path)


def dataset(files: SimpleNamespace, **kwargs) -> PoseTextDataset:
    args = dict(ann_file=str(files.ann), pipeline=PIPELINE,
                class_file=str(files.classes), split='train')
    args.update(kwargs)
    return PoseTextDataset(**args)


def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module, to call its ``main`` in-process."""
    spec = importlib.util.spec_from_file_location(
        f'_bad_inputs_{name}', REPO_ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a tool with this interpreter: 1 thread, no GPU, no launcher env."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_ADDR',
                        'MASTER_PORT')}
    env.update(CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1',
               MKL_NUM_THREADS='1', PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, str(REPO_ROOT / args[0])] +
                          args[1:], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120)


def error_line(output: str) -> str:
    """The tool's ``error: ...`` message (the last one printed)."""
    lines = [ln for ln in output.splitlines() if ln.startswith('error: ')]
    assert lines, output[-3000:]
    return lines[-1]


# ------------------------------------------------------ data files (DataError)
def _truncated(f):
    data = f.ann.read_bytes()
    f.ann.write_bytes(data[:len(data) // 2])
    return {}, [str(f.ann), 'truncated']


def _non_dict(f):
    f.ann.write_bytes(pickle.dumps('not annotations'))
    return {}, [str(f.ann), 'got str']


def _missing_split(f):
    write_pickle(f.ann, valid_annotations(), split=False)
    return {}, [str(f.ann), 'no "split"', 'split="train"']


def _unknown_split(f):
    return dict(split='tarin'), [str(f.ann), 'unknown split "tarin"',
                                 "'train'"]


def _split_names_unknown_sample(f):
    annos = valid_annotations()
    write_pickle(f.ann, annos)
    with open(f.ann, 'rb') as fh:
        data = pickle.load(fh)
    data['split']['train'].append('ghost')
    f.ann.write_bytes(pickle.dumps(data))
    return {}, [str(f.ann), 'split "train"', 'ghost']


def _broken(index: int, change: Callable[[Dict], None]):
    """A case breaking annotation ``v<index>`` (all in split ``train``)."""
    def make(f):
        annos = valid_annotations()
        change(annos[index])
        write_pickle(f.ann, annos)
        return {}, [str(f.ann), f'annotation "v{index}"']
    return make


def _with(make, *expected: str):
    def case(f):
        kwargs, names = make(f)
        return kwargs, names + list(expected)
    return case


def _nan(anno):
    anno['keypoint'][0, 2, 3, 0] = np.nan


def _inf(anno):
    anno['keypoint'][0, 1, 5, 1] = np.inf


def _zero_frames(anno):
    anno.update(total_frames=0, keypoint=np.zeros((1, 0, 17, 2), np.float32),
                keypoint_score=np.zeros((1, 0, 17), np.float32))


def _not_dict(f):
    annos = valid_annotations()
    annos[1] = 'v1'
    f.ann.write_bytes(pickle.dumps(dict(split=dict(train=['v0']),
                                        annotations=annos)))
    return {}, [str(f.ann), 'annotation 1 is a str']


def _label_out_of_range(f):
    annos = valid_annotations()
    annos[2]['label'] = 7
    write_pickle(f.ann, annos)
    return {}, [str(f.ann), 'annotation "v2"', 'label 7', str(f.classes),
                '4 classes']


def _empty_name(f):
    f.classes.write_text('jump up\n\nwave\nclap\n')
    return {}, [str(f.classes), ':2: empty class name']


def _duplicate_name(f):
    f.classes.write_text('jump up\nsit down\njump up\nclap\n')
    return {}, [str(f.classes), ':3: duplicate class name "jump up"']


def _unknown_subset_class(f):
    return dict(class_subset=['wave', 'fly']), [str(f.classes), "'fly'"]


DATA_CASES = {
    'truncated pickle': _truncated,
    'non-dict pickle': _non_dict,
    'annotation not a dict': _not_dict,
    'missing split': _missing_split,
    'unknown split': _unknown_split,
    'split names unknown sample': _split_names_unknown_sample,
    'no keypoint': _with(_broken(1, lambda a: a.pop('keypoint')),
                         "missing keys ['keypoint']"),
    'keypoint rank 3': _with(_broken(
        2, lambda a: a.update(keypoint=a['keypoint'][0])),
        'keypoint has shape (6, 17, 2)', '[M, T, V, 2|3]'),
    'keypoint/score shapes disagree': _with(_broken(
        3, lambda a: a.update(keypoint_score=a['keypoint_score'][..., :16])),
        'keypoint_score has shape (1, 6, 16)', '(1, 6, 17)'),
    'NaN coordinates': _with(_broken(0, _nan), 'keypoint has 1 NaN/inf'),
    'infinite coordinates': _with(_broken(1, _inf), 'keypoint has 1 NaN/inf'),
    'zero frames': _with(_broken(2, _zero_frames), 'total_frames is 0'),
    'total_frames beyond keypoint': _with(_broken(
        3, lambda a: a.update(total_frames=9)), 'total_frames 9'),
    'label outside label file': _label_out_of_range,
    'label file with empty name': _empty_name,
    'label file with duplicate name': _duplicate_name,
    'class_subset outside label file': _unknown_subset_class,
}


@pytest.mark.parametrize('case', list(DATA_CASES))
def test_malformed_data_file(files: SimpleNamespace, case: str) -> None:
    kwargs, expected = DATA_CASES[case](files)
    before = tree(files.root)
    with pytest.raises(DataError) as excinfo:
        dataset(files, **kwargs)
    message = str(excinfo.value)
    for part in expected:
        assert part in message, (part, message)
    assert tree(files.root) == before


def test_valid_files_load_and_all_bad_samples_are_listed(
        files: SimpleNamespace) -> None:
    assert len(dataset(files)) == 4  # the starting point is valid
    annos = valid_annotations()
    _nan(annos[0])
    annos[3]['keypoint_score'] = annos[3]['keypoint_score'][:, :3]
    annos[4]['label'] = 4  # val split: not loaded for 'train'
    write_pickle(files.ann, annos)
    with pytest.raises(DataError) as excinfo:
        dataset(files)
    lines = str(excinfo.value).splitlines()
    assert '2 malformed sample(s)' in lines[0]
    assert 'annotation "v0": keypoint has 1 NaN/inf' in lines[1]
    assert 'annotation "v3": keypoint_score has shape' in lines[2]
    # Samples of other classes are not checked beyond their label.
    _nan(annos[1])
    annos[0] = valid_annotations()[0]
    annos[3] = valid_annotations()[3]
    write_pickle(files.ann, annos)
    assert len(dataset(files, class_subset=['jump up', 'clap'])) == 2


# ------------------------------------------------ label count vs model (hook)
def _fixed_head_model(num_classes: int) -> SimpleNamespace:
    return SimpleNamespace(cls_head=SimpleNamespace(num_classes=num_classes))


@pytest.mark.parametrize('stage', ['before_train', 'before_test_epoch'])
def test_label_count_disagrees_with_model_hook(files: SimpleNamespace,
                                               stage: str) -> None:
    subset = write_labels(files.root / 'seen.txt', CLASSES[:3])
    loader = SimpleNamespace(dataset=dataset(files,
                                             class_subset=str(subset)))
    runner = SimpleNamespace(model=_fixed_head_model(4),
                             train_dataloader=loader, test_dataloader=loader)
    before = tree(files.root)
    with pytest.raises(ConfigError) as excinfo:
        getattr(ClassTextsHook(), stage)(runner)
    message = str(excinfo.value)
    for part in (str(subset), str(files.classes), 'holds 3 classes',
                 'the model has 4', 'num_classes'):
        assert part in message, (part, message)
    assert tree(files.root) == before
    # The same count passes; text-aligned models (no cls_head) take any.
    runner.model = _fixed_head_model(3)
    getattr(ClassTextsHook(), stage)(runner)
    runner.model = SimpleNamespace()
    getattr(ClassTextsHook(), stage)(runner)


# ------------------------------------------------------------ configs (CLI)
_CONFIG = '''\
default_scope = 'vlalign'
ann_file = {ann!r}
class_file = {classes!r}
model = dict(
    type={model_type!r},
    backbone=dict(type={backbone_type!r},
                  graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                  in_channels=3, base_channels=8, num_person=1, num_stages=2,
                  inflate_stages=[], down_stages=[]),
    cls_head=dict(type='GCNHead', num_classes={num_classes}, in_channels=8))
pipeline = {pipeline!r}
_loader = dict(batch_size=2, num_workers=0, persistent_workers=False,
               sampler=dict(type='DefaultSampler', shuffle=False))
train_dataloader = dict(**_loader, dataset=dict(
    type={dataset_type!r}, ann_file=ann_file, class_file=class_file,
    pipeline=pipeline, split='train'))
val_dataloader = dict(**_loader, dataset=dict(
    type='PoseTextDataset', ann_file=ann_file, class_file=class_file,
    pipeline=pipeline, split='val', test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
custom_hooks = [dict(type='ClassTextsHook')]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
'''


def write_config(files: SimpleNamespace, name: str = 'cfg.py',
                 **changes) -> Path:
    """A tiny RecognizerGCN config on ``files``; ``changes`` break it."""
    values = dict(ann=str(files.ann), classes=str(files.classes),
                  model_type='RecognizerGCN', backbone_type='STGCN',
                  dataset_type='PoseTextDataset', num_classes=len(CLASSES),
                  pipeline=PIPELINE)
    values.update(changes)
    path = files.root / name
    path.write_text(_CONFIG.format(**values))
    return path


def test_valid_config_passes_the_checks(files: SimpleNamespace) -> None:
    from mmengine.config import Config
    check_config(Config.fromfile(str(write_config(files))))


def test_label_count_disagrees_with_model_cli(files: SimpleNamespace) -> None:
    config = write_config(files, num_classes=5)
    before = tree(files.root)
    proc = run_cli(['tools/train.py', str(config)], cwd=files.root)
    assert proc.returncode != 0
    message = error_line(proc.stdout)
    for part in (str(config), 'train_dataloader.dataset',
                 f'label file {files.classes} holds 4 classes',
                 'the model has 5', 'model.cls_head.num_classes'):
        assert part in message, (part, message)
    assert tree(files.root) == before  # no work_dirs


def test_unregistered_model_type_train_cli(files: SimpleNamespace) -> None:
    config = write_config(files, model_type='RecognizerGNC')
    before = tree(files.root)
    proc = run_cli(['tools/train.py', str(config)], cwd=files.root)
    assert proc.returncode != 0
    message = error_line(proc.stdout)
    for part in (str(config), 'model.type "RecognizerGNC"',
                 'vlalign::model registry', 'closest registered names',
                 'RecognizerGCN'):
        assert part in message, (part, message)
    assert 'Traceback' not in proc.stdout
    assert tree(files.root) == before


@pytest.mark.parametrize('changes,field,close', [
    (dict(dataset_type='PoseTextDatset'), 'train_dataloader.dataset.type',
     'PoseTextDataset'),
    (dict(backbone_type='STGNC'), 'model.backbone.type', 'STGCN'),
    (dict(pipeline=[dict(type='UniformSampleFrame', clip_len=4)]),
     'train_dataloader.dataset.pipeline.0.type', 'UniformSampleFrames'),
])
def test_unregistered_type_test_tool(files: SimpleNamespace, monkeypatch,
                                     changes: Dict, field: str,
                                     close: str) -> None:
    config = write_config(files, **changes)
    ckpt = files.root / 'model.pth'
    torch.save(dict(meta={}, state_dict={}), ckpt)
    before = tree(files.root)
    monkeypatch.chdir(files.root)
    monkeypatch.setenv('LOCAL_RANK', '0')
    with pytest.raises(SystemExit) as excinfo:
        load_tool('test').main([str(config), str(ckpt)])
    message = str(excinfo.value.code)
    for part in ('error: ', str(config), field, close):
        assert part in message, (part, message)
    assert tree(files.root) == before


def test_explain_unknown_type_of_mmengine_key_error() -> None:
    with pytest.raises(KeyError) as excinfo:
        MODELS.build(dict(type='Visese'))
    message = explain_unknown_type(excinfo.value)
    assert 'type "Visese"' in message and 'vlalign::model' in message
    assert 'Visece' in message
    assert explain_unknown_type(KeyError('Visese')) is None
    assert close_registered_names('stgcn', MODELS)[0] == 'STGCN'


# ---------------------------------------------------------------- checkpoints
def _corrupt_checkpoint(work_dir: Path) -> Path:
    """A work dir whose only checkpoint was truncated by a crash."""
    work_dir.mkdir(parents=True)
    ckpt = work_dir / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict={'w': torch.zeros(64)}),
               ckpt)
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    (work_dir / 'last_checkpoint').write_text(str(ckpt))
    return ckpt


def test_corrupt_checkpoint_auto_resume(tmp_path: Path) -> None:
    from mmengine.config import Config
    ckpt = _corrupt_checkpoint(tmp_path / 'work')
    before = tree(tmp_path)
    with pytest.raises(ResumeError) as excinfo:
        find_resumable_checkpoint(str(tmp_path / 'work'))
    assert isinstance(excinfo.value, VlalignError)
    assert str(ckpt) in str(excinfo.value)
    with pytest.raises(SystemExit, match=str(ckpt)):
        apply_auto_resume(Config(dict(work_dir=str(tmp_path / 'work'))))
    assert tree(tmp_path) == before


def test_corrupt_checkpoint_train_resume_cli(files: SimpleNamespace) -> None:
    config = write_config(files)
    work_dir = files.root / 'work'
    ckpt = _corrupt_checkpoint(work_dir)
    before = tree(files.root)
    proc = run_cli(['tools/train.py', str(config), '--work-dir',
                    str(work_dir), '--resume'], cwd=files.root)
    assert proc.returncode != 0
    assert str(ckpt) in proc.stdout and 'can be loaded' in proc.stdout
    assert tree(files.root) == before


def test_corrupt_checkpoint_test_cli(files: SimpleNamespace) -> None:
    config = write_config(files)
    ckpt = _corrupt_checkpoint(files.root / 'ckpts')
    before = tree(files.root)
    proc = run_cli(['tools/test.py', str(config), str(ckpt)], cwd=files.root)
    assert proc.returncode != 0
    message = error_line(proc.stdout)
    assert f'checkpoint {ckpt} cannot be loaded' in message, message
    assert tree(files.root) == before


def test_corrupt_checkpoint_explicit_resume(files: SimpleNamespace,
                                            monkeypatch) -> None:
    config = write_config(files)
    ckpt = _corrupt_checkpoint(files.root / 'old')
    before = tree(files.root)
    monkeypatch.chdir(files.root)
    monkeypatch.setenv('LOCAL_RANK', '0')
    with pytest.raises(SystemExit) as excinfo:
        load_tool('train').main([str(config), '--resume', str(ckpt)])
    assert f'checkpoint {ckpt} cannot be loaded' in str(excinfo.value.code)
    assert tree(files.root) == before

