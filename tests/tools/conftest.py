"""Fixtures for the tests of ``tools/``: a tiny self-contained skeleton config.

The config uses only mmaction2's own model types (``RecognizerGCN`` with a
small ``STGCN`` and ``GCNHead``) on a random COCO-17 ``PoseDataset`` pickle,
so the tools can be tested independently of vlalign's models.
:func:`write_tiny_config` is usable on its own, e.g. from other tests.
"""
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

NUM_CLASSES = 4
NUM_TRAIN = 16
NUM_VAL = 8
TRAIN_BATCH_SIZE = 4
ITERS_PER_EPOCH = NUM_TRAIN // TRAIN_BATCH_SIZE
SUBPROCESS_TIMEOUT_S = 300
# Set by launchers; a tool started by a test must not inherit them.
_DIST_VARS = ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE',
              'MASTER_ADDR', 'MASTER_PORT', 'GROUP_RANK')

_CONFIG_TEMPLATE = '''\
default_scope = 'vlalign'
ann_file = {ann_file!r}

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
        in_channels=3,
        base_channels=16,
        num_person=1,
        num_stages=2,
        inflate_stages=[],
        down_stages=[]),
    cls_head=dict(type='GCNHead', num_classes={num_classes}, in_channels=16))

train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=8),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=8, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs'),
]

train_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PoseDataset', ann_file=ann_file, pipeline=train_pipeline,
        split='train'))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PoseDataset', ann_file=ann_file, pipeline=val_pipeline,
        split='val', test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=2, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, T_max=1, by_epoch=True,
         begin=1, end=2, convert_to_iter_based=True),
]

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='gloo'))

log_processor = dict(type='LogProcessor', window_size=1, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
'''


def write_pose_pickle(path: Path, num_train: int = NUM_TRAIN,
                      num_val: int = NUM_VAL, num_classes: int = NUM_CLASSES,
                      num_frames: int = 20, seed: int = 0) -> Path:
    """Write a random COCO-17 ``PoseDataset`` annotation pickle.

    Args:
        path (Path): Where to write the pickle.
        num_train (int): Number of training sequences.
        num_val (int): Number of validation sequences.
        num_classes (int): Number of classes; labels cycle through them.
        num_frames (int): Frames per sequence.
        seed (int): Seed of the random keypoints.

    Returns:
        Path: ``path``.
    """
    rng = np.random.default_rng(seed)
    annotations: List[Dict] = []
    split: Dict[str, List[str]] = {'train': [], 'val': []}
    for i in range(num_train + num_val):
        name = f'seq{i:03d}'
        split['train' if i < num_train else 'val'].append(name)
        annotations.append(
            dict(
                frame_dir=name,
                label=i % num_classes,
                img_shape=(480, 640),
                original_shape=(480, 640),
                total_frames=num_frames,
                keypoint=rng.uniform(0, 640, (1, num_frames, 17, 2)).astype(
                    np.float32),
                keypoint_score=rng.uniform(0, 1, (1, num_frames, 17)).astype(
                    np.float32)))
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations), f)
    return path


def write_tiny_config(root: Path, name: str = 'tiny_stgcn') -> Path:
    """Write the tiny config and its annotation pickle into ``root``.

    Args:
        root (Path): Directory to write ``<name>.py`` and ``<name>.pkl`` to.
        name (str): Stem of the config (and so of the default work dir).

    Returns:
        Path: The config file.
    """
    root.mkdir(parents=True, exist_ok=True)
    ann_file = write_pose_pickle(root / f'{name}.pkl')
    config = root / f'{name}.py'
    config.write_text(
        _CONFIG_TEMPLATE.format(
            ann_file=str(ann_file),
            num_classes=NUM_CLASSES,
            batch_size=TRAIN_BATCH_SIZE))
    return config


def free_port() -> int:
    """Return a TCP port that is free on localhost right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tool_env(**extra: str) -> Dict[str, str]:
    """Environment for a tool subprocess: repo on ``PYTHONPATH``, this
    interpreter as ``$PYTHON``, 1 thread,
    no GPU and no inherited launcher variables.

    Args:
        **extra (str): More variables to set.

    Returns:
        dict: The environment.
    """
    env = {k: v for k, v in os.environ.items() if k not in _DIST_VARS}
    env['PYTHONPATH'] = str(REPO_ROOT)
    # The launcher scripts run ``$PYTHON`` (default ``python`` on PATH,
    # which need not be this interpreter when the venv is not activated).
    env['PYTHON'] = sys.executable
    env['CUDA_VISIBLE_DEVICES'] = ''  # test the CPU (gloo) path everywhere
    env['OMP_NUM_THREADS'] = '1'
    env['MKL_NUM_THREADS'] = '1'
    env.update(extra)
    return env


def run_tool(args: List[Union[str, Path]], cwd: Path,
             env: Optional[Dict[str, str]] = None,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run a tool (``tools/<x>.py`` via this python, or a ``.sh`` via bash).

    Args:
        args (list[str | Path]): The tool path relative to the repo root,
            then its arguments.
        cwd (Path): Working directory.
        env (dict, optional): Environment; :func:`tool_env` if None.
        check (bool): Fail the test if the tool exits with an error.

    Returns:
        subprocess.CompletedProcess: With ``stdout`` holding stdout and
        stderr together.
    """
    tool = str(REPO_ROOT / args[0])
    runner = ['bash'] if tool.endswith('.sh') else [sys.executable]
    proc = subprocess.run(
        runner + [tool] + [str(a) for a in args[1:]],
        cwd=cwd,
        env=env if env is not None else tool_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S)
    if check and proc.returncode != 0:
        pytest.fail(f'{" ".join(map(str, args))} exited with {proc.returncode}:\n'
                    f'{proc.stdout[-6000:]}')
    return proc


@pytest.fixture(name='run_tool')
def run_tool_fixture() -> Callable[..., subprocess.CompletedProcess]:
    """:func:`run_tool`."""
    return run_tool


@pytest.fixture(name='tool_env')
def tool_env_fixture() -> Callable[..., Dict[str, str]]:
    """:func:`tool_env`."""
    return tool_env


@pytest.fixture(name='free_port')
def free_port_fixture() -> Callable[[], int]:
    """:func:`free_port` (call it once per port needed)."""
    return free_port


@pytest.fixture
def tiny_spec() -> Dict:
    """Sizes of the tiny data set and the repo root, for assertions."""
    return dict(num_train=NUM_TRAIN, num_val=NUM_VAL,
                num_classes=NUM_CLASSES, iters_per_epoch=ITERS_PER_EPOCH,
                repo_root=REPO_ROOT)


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny config (and its data) in a temporary directory."""
    return write_tiny_config(tmp_path_factory.mktemp('tiny_cfg'))


@pytest.fixture(scope='module')
def trained(tiny_config: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Dict:
    """One full ``tools/train.py CONFIG`` run (no ``--work-dir``).

    Returns:
        dict: ``work_dir`` (Path, the default ``./work_dirs/<stem>``) and
        ``output`` (str, the run's stdout and stderr).
    """
    cwd = tmp_path_factory.mktemp('train_cwd')
    proc = run_tool(['tools/train.py', tiny_config], cwd=cwd)
    return dict(work_dir=cwd / 'work_dirs' / tiny_config.stem,
                output=proc.stdout)
