"""Bad input to the tools (issue 17): checkpoints of another model, outputs
over inputs, shared work dirs, misread label files, config overrides that do
nothing, outputs that cannot be written, Ctrl-C, wrong option names in
messages, ``recognize.py`` arguments, and failures that used to leave a
half-made work dir.

Each case reproduces the input and checks the three things the issue asks
for: a non-zero exit (or the exception a tool turns into one), a message
naming the file and the sample, field or option, and a directory tree
(sizes and mtimes) that the failing call left unchanged. Tools run in-process
through their ``main`` where that is enough, as subprocesses where the exit
status, a signal or a second process is what is tested.
"""
import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, Tuple

import numpy as np
import pytest
import torch
from mmengine.config import Config

from vlalign.classes.label_map import load_class_names
from vlalign.registry import MODELS
from vlalign.utils.checkpoint_fit import CheckpointMismatchError
from vlalign.utils.cli import fraction, non_negative_int, positive_int
from vlalign.utils.errors import DataError
from vlalign.utils.launch import (LOCK_NAME, ResumeError, WorkDirBusyError,
                                  WorkDirLock, find_resumable_checkpoint,
                                  resume_command)

REPO_ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------- helpers
def _load(relpath: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOLS = _load('tests/tools/conftest.py', '_bad_tools_conftest')
STCN = _load('tests/semantic_tcn/semantic_tcn_helpers.py', '_bad_tools_stcn')


def tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module, to call its ``main`` in-process."""
    return _load(f'tools/{name}.py', f'_bad_tools_{name.replace("/", "_")}')


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


def exit_message(call: Callable[[], object]) -> str:
    """The message of the ``SystemExit`` a tool's ``main`` raises."""
    with pytest.raises(SystemExit) as excinfo:
        call()
    code = excinfo.value.code
    assert code not in (0, None), code
    return str(code)


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, (part, message)


def run(args: List, cwd: Path, env: Dict = None,
        check: bool = False) -> subprocess.CompletedProcess:
    return TOOLS.run_tool(args, cwd=cwd, env=env, check=check)


@pytest.fixture(autouse=True)
def _local_rank_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # parse_args of train/test set LOCAL_RANK when unset; keep it scoped.
    monkeypatch.setenv('LOCAL_RANK', '0')
    for var in ('RANK', 'WORLD_SIZE', 'SLURM_PROCID'):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Dict:
    """The tiny RecognizerGCN config of tests/tools (17 COCO joints) and a
    checkpoint of its model."""
    root = tmp_path_factory.mktemp('tiny')
    config = TOOLS.write_tiny_config(root)
    model = MODELS.build(Config.fromfile(str(config)).model)
    ckpt = root / 'coco17.pth'
    torch.save(dict(meta={}, state_dict=model.state_dict()), ckpt)
    return dict(config=config, ckpt=ckpt, root=root)


def _checkpoint_of(config: Path, path: Path, **changes) -> Path:
    """A checkpoint of ``config``'s model with ``changes`` merged in."""
    cfg = Config.fromfile(str(config))
    cfg.merge_from_dict(changes)
    torch.save(dict(meta={}, state_dict=MODELS.build(cfg.model).state_dict()),
               path)
    return path


# ------------------------------------------- 1. checkpoints of another model
def test_test_tool_refuses_checkpoint_of_other_skeleton(
        tiny: Dict, tmp_path: Path, monkeypatch) -> None:
    """A 25-joint ST-GCN checkpoint on the 17-joint config (test.py)."""
    ckpt = _checkpoint_of(tiny['config'], tmp_path / 'ntu25.pth', **{
        'model.backbone.graph_cfg.layout': 'nturgb+d'})
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    message = exit_message(lambda: tool('test').main(
        [str(tiny['config']), str(ckpt), '--work-dir', str(tmp_path / 'w')]))
    assert_names(message, f'checkpoint {ckpt} does not fit the model',
                 'shape mismatch', 'backbone.data_bn.weight: checkpoint [75] '
                 'vs model [51]', '--allow-partial-load')
    assert tree(tmp_path) == before  # no work dir


def test_zeroshot_tool_refuses_20_joint_checkpoint(
        tiny_demo_config: Callable, demo_data: str, tmp_path: Path) -> None:
    """A 20-joint (Kinect v1) ST-GCN++ Visece on the 17-joint demo config,
    through ``tools/zeroshot.py`` as a user runs it."""
    cfg = tiny_demo_config()
    ckpt = _checkpoint_of(cfg, tmp_path / 'kinect20.pth', **{
        'model.video_encoder.backbone.graph_cfg.layout': 'kinect_v1_20'})
    before = tree(tmp_path)
    proc = run(['tools/zeroshot.py', cfg, ckpt, '--labels',
                f'{demo_data}/classes.txt', '--split',
                f'{demo_data}/unseen.txt', '--work-dir', tmp_path / 'w',
                '--out', tmp_path / 'm.json'], cwd=tmp_path)
    assert proc.returncode != 0
    assert_names(proc.stdout, f'error: checkpoint {ckpt} does not fit',
                 'video_encoder.backbone.data_bn.weight')
    assert 'Traceback' not in proc.stdout
    assert tree(tmp_path) == before


def test_allow_partial_load_loads_on_purpose(tiny: Dict, tmp_path: Path,
                                             monkeypatch) -> None:
    ckpt = tmp_path / 'headless.pth'
    state = torch.load(tiny['ckpt'], weights_only=False)['state_dict']
    state.pop('cls_head.fc.weight')
    torch.save(dict(meta={}, state_dict=state), ckpt)
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match='1 missing key .cls_head.fc.weight'):
        tool('test').main([str(tiny['config']), str(ckpt), '--work-dir',
                           str(tmp_path / 'w'), '--allow-partial-load'])
    assert (tmp_path / 'w').is_dir()


def test_init_recognizer_refuses_other_model(tiny: Dict,
                                             tmp_path: Path) -> None:
    """The API behind recognize.py and export_features.py."""
    from vlalign.apis import init_recognizer
    ckpt = _checkpoint_of(tiny['config'], tmp_path / 'wide.pth', **{
        'model.backbone.base_channels': 32, 'model.cls_head.in_channels': 32})
    with pytest.raises(CheckpointMismatchError) as err:
        init_recognizer(str(tiny['config']), str(ckpt))
    assert_names(str(err.value), str(ckpt), 'RecognizerGCN',
                 'shape mismatch')
    bare = tmp_path / 'bare.pth'  # a bare state dict with a foreign key
    state = torch.load(tiny['ckpt'], weights_only=False)['state_dict']
    torch.save(dict(state, **{'text_head.weight': torch.zeros(2)}), bare)
    with pytest.raises(CheckpointMismatchError, match='1 unexpected key '
                       r'\(text_head.weight\)'):
        init_recognizer(str(tiny['config']), str(bare))
    assert init_recognizer(str(tiny['config']), str(tiny['ckpt'])) is not None


@pytest.fixture
def stcn(tmp_path: Path) -> Dict:
    """Tiny semantic TCN data, config and a checkpoint of its model."""
    data = tmp_path / 'data'
    STCN.make_tiny_data(data, num_train=3, num_test=2)
    config = STCN.write_tiny_config(tmp_path, data)
    ckpt = _checkpoint_of(config, tmp_path / 'stcn.pth')
    return dict(data=data, config=config, ckpt=ckpt,
                features=data / 'features', root=tmp_path)


def test_export_refuses_visece_checkpoint(stcn: Dict, tiny_demo_config,
                                          capsys) -> None:
    """A Visece checkpoint for the semantic TCN: once 32 files of random
    weights, now no file at all."""
    visece = _checkpoint_of(tiny_demo_config(name='visece.py'),
                            stcn['root'] / 'visece.pth')
    out = stcn['root'] / 'enhanced'
    before = tree(stcn['root'])
    assert tool('export_features').main(
        [str(stcn['config']), str(visece), '--out-dir', str(out)]) == 1
    message = capsys.readouterr().err
    assert_names(message, f'checkpoint {visece} does not fit the model '
                 'SemanticTCNAligner', 'missing keys', 'unexpected keys')
    assert tree(stcn['root']) == before


# --------------------------------------------- 2. export outputs over inputs
@pytest.mark.parametrize('where', ['same', 'inside'])
def test_export_refuses_out_dir_in_its_inputs(stcn: Dict, capsys,
                                              where: str) -> None:
    out = stcn['features'] if where == 'same' else stcn['features'] / 'x'
    before = tree(stcn['root'])
    assert tool('export_features').main(
        [str(stcn['config']), str(stcn['ckpt']), '--out-dir', str(out),
         '--features-dir', str(stcn['features'])]) == 1
    message = capsys.readouterr().err
    assert_names(message, f'--out-dir {out}',
                 'is the input folder' if where == 'same' else 'lies inside',
                 str(stcn['features']))
    assert tree(stcn['root']) == before


def test_export_refuses_mixing_two_runs(stcn: Dict, capsys) -> None:
    export = tool('export_features')
    out = stcn['root'] / 'enhanced'
    args = [str(stcn['config']), str(stcn['ckpt']), '--out-dir', str(out)]
    assert export.main(args) == 0
    videos = len(list(stcn['features'].glob('*.npy')))
    other = _checkpoint_of(stcn['config'], stcn['root'] / 'other.pth')
    capsys.readouterr()
    before = tree(stcn['root'])
    for extra in ([], ['--skip-existing']):
        assert export.main([str(stcn['config']), str(other), '--out-dir',
                            str(out)] + extra) == 1
        message = capsys.readouterr().err
        assert_names(message, f'--out-dir {out} holds {videos} .npy file(s) '
                     'of another run', 'checkpoint_sha256', '--overwrite')
    assert export.main(args + ['--stage', 'backbone']) == 1
    assert 'stage: projector there, backbone now' in capsys.readouterr().err
    assert tree(stcn['root']) == before
    # the same run resumes; --overwrite replaces the other run's files
    assert export.main(args + ['--skip-existing']) == 0
    assert f'skipped {videos} of {videos}' in capsys.readouterr().out
    assert export.main([str(stcn['config']), str(other), '--out-dir',
                        str(out), '--overwrite']) == 0
    assert f'deleted {videos} .npy file(s)' in capsys.readouterr().out


def test_export_refuses_folder_of_unknown_run(stcn: Dict, capsys) -> None:
    out = stcn['root'] / 'old'
    out.mkdir()
    np.save(out / 'video_0.npy', np.zeros((384, 5), np.float32))
    before = tree(stcn['root'])
    assert tool('export_features').main(
        [str(stcn['config']), str(stcn['ckpt']), '--out-dir', str(out)]) == 1
    assert_names(capsys.readouterr().err, f'--out-dir {out}', 'unknown run',
                 'export_manifest.json')
    assert tree(stcn['root']) == before


# --------------------------------------------- 3. two trainings, one work dir
_STALL_HOOK = '''\
import os
import time

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class StallHook(Hook):
    priority = 'LOWEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        at = os.environ.get('STALL_AT')
        if at and (runner.epoch + 1, batch_idx + 1) == tuple(
                int(x) for x in at.split(':')):
            print('STALLING', flush=True)
            time.sleep(300)
'''


@pytest.fixture
def stalling(tmp_path: Path) -> Dict:
    """The tiny config with a hook that stalls at ``$STALL_AT`` (epoch:iter)
    and the environment to import it."""
    cfg_dir = tmp_path / 'cfg'
    config = TOOLS.write_tiny_config(cfg_dir, name='tiny_stall')
    config.write_text(config.read_text() + '''
custom_imports = dict(imports=['stall_hooks'], allow_failed_imports=False)
custom_hooks = [dict(type='StallHook')]
''')
    (cfg_dir / 'stall_hooks.py').write_text(_STALL_HOOK)
    env = TOOLS.tool_env(PYTHONUNBUFFERED='1', PYTHONPATH=os.pathsep.join(
        [str(REPO_ROOT), str(cfg_dir)]))
    return dict(config=config, env=env)


def _start_stalled(args: List[str], env: Dict, log: Path,
                   stall_at: str) -> subprocess.Popen:
    """Start ``args`` in its own process group; return once it stalls."""
    with open(log, 'w') as out:
        proc = subprocess.Popen(args, cwd=log.parent, stdout=out,
                                stderr=subprocess.STDOUT,
                                env=dict(env, STALL_AT=stall_at),
                                start_new_session=True,
                                # a background shell (nohup ... &) ignores
                                # SIGINT and children inherit that: give the
                                # run the default a terminal would
                                preexec_fn=lambda: signal.signal(
                                    signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while 'STALLING' not in log.read_text():
        assert proc.poll() is None, log.read_text()[-4000:]
        assert time.monotonic() < deadline, 'never stalled'
        time.sleep(0.2)
    return proc


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)


def test_second_training_and_resume_refused_then_ctrl_c(
        stalling: Dict, tmp_path: Path) -> None:
    """Items 3 and 7 (Ctrl-C) on one stalled run: a second training and a
    resume of the same work dir are refused while it runs; Ctrl-C ends it
    with one line saying how to resume, which then works."""
    work = tmp_path / 'work'
    train = [sys.executable, str(REPO_ROOT / 'tools/train.py'),
             str(stalling['config']), '--work-dir', str(work)]
    # PYTHONFAULTHANDLER: if Ctrl-C does not end the run, SIGABRT makes it
    # write every thread's stack to first.log, so the failure says where.
    env = dict(stalling['env'], PYTHONFAULTHANDLER='1')
    first = _start_stalled(train, env, tmp_path / 'first.log',
                           stall_at='2:1')  # epoch_1.pth is saved
    try:
        before = tree(work)
        for extra in ([], ['--resume']):
            proc = run(['tools/train.py', stalling['config'], '--work-dir',
                        work] + extra, cwd=tmp_path, env=stalling['env'])
            assert proc.returncode != 0
            line = [ln for ln in proc.stdout.splitlines()
                    if ln.startswith('error: ')][-1]
            assert_names(line, f'work dir {work} is in use by another '
                         f'training (pid {first.pid} on ', 'tools/train.py',
                         'started ')
            assert tree(work) == before
        os.killpg(first.pid, signal.SIGINT)  # Ctrl-C in its terminal
        try:
            # generous: a loaded 2-core CI machine is slow to unwind torch
            code = first.wait(timeout=180)
        except subprocess.TimeoutExpired:
            first.send_signal(signal.SIGABRT)
            first.wait(timeout=30)
            pytest.fail('Ctrl-C did not end the run in 180 s:\n'
                        + (tmp_path / 'first.log').read_text()[-6000:])
        assert code == 130
    finally:
        if first.poll() is None:
            _kill_group(first)
    output = (tmp_path / 'first.log').read_text()
    assert 'Traceback' not in output, output[-3000:]
    last = output.strip().splitlines()[-1]
    assert last.startswith('error: interrupted (Ctrl-C); the run can be '
                           f'resumed from {work / "epoch_1.pth"}: '), last
    assert last.endswith(f'--work-dir {work} --resume'), last
    # the lock went with the process: the resume it proposes runs
    proc = run(['tools/train.py', stalling['config'], '--work-dir', work,
                '--resume'], cwd=tmp_path, env=stalling['env'], check=True)
    assert 'resumed epoch: 1' in proc.stdout


def test_distributed_run_locks_once_and_refuses_a_second(
        stalling: Dict, tmp_path: Path) -> None:
    """``dist_train.sh CONFIG 2``: only rank 0 locks (so the launch runs),
    and another training on its work dir is refused while it runs."""
    work = tmp_path / 'dist'
    env = dict(stalling['env'], PORT=str(TOOLS.free_port()))
    dist = _start_stalled(['bash', str(REPO_ROOT / 'tools/dist_train.sh'),
                           str(stalling['config']), '2', '--work-dir',
                           str(work)], env, tmp_path / 'dist.log',
                          stall_at='1:2')
    try:
        assert (work / LOCK_NAME).is_file()
        before = tree(work)
        proc = run(['tools/train.py', stalling['config'], '--work-dir',
                    work], cwd=tmp_path, env=stalling['env'])
        assert proc.returncode != 0
        assert_names(proc.stdout, f'error: work dir {work} is in use by '
                     'another training', '--launcher pytorch')
        assert tree(work) == before
    finally:
        _kill_group(dist)


def test_work_dir_lock_unit(tmp_path: Path) -> None:
    """The lock in-process: a holder blocks a second lock (another open file
    description, as another process has) and its release frees it."""
    with WorkDirLock(str(tmp_path / 'w')) as held:
        assert held.path == str(tmp_path / 'w' / LOCK_NAME)
        with pytest.raises(WorkDirBusyError, match=f'pid {os.getpid()} on '):
            WorkDirLock(str(tmp_path / 'w')).acquire()
    WorkDirLock(str(tmp_path / 'w')).acquire().release()
    assert resume_command(['c.py', '--resume', 'x.pth', '--seed', '1']) == \
        'python tools/train.py c.py --seed 1 --resume'


# ---------------------------------------------------------- 4. label files
def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_space_indexed_label_file_is_read_as_indexed(tmp_path: Path) -> None:
    path = _write(tmp_path / 'l.txt', b'0 raise the left arm\n1 squat\n')
    assert load_class_names(str(path)) == ['raise the left arm', 'squat']
    path = _write(tmp_path / 'one.txt', b'1 raise the left arm\n2 squat\n')
    with pytest.raises(DataError) as err:  # off by one: refused
        load_class_names(str(path))
    assert_names(str(err.value), str(path), 'line 1 has index 1, expected 0')


def test_label_file_bom_is_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path / 'bom.txt', '\ufeffjump up\nsit\n'.encode())
    assert load_class_names(str(path)) == ['jump up', 'sit']


def test_latin1_label_file_names_file_and_line(tiny: Dict, tmp_path: Path,
                                               monkeypatch) -> None:
    """Through test.py: a label file in Latin-1 is a one-line error."""
    labels = _write(tmp_path / 'latin1.txt', 'jump\ncaf\xe9 dance\n'.encode(
        'latin-1'))
    with pytest.raises(DataError) as err:
        load_class_names(str(labels))
    assert_names(str(err.value), f'{labels}:2: not UTF-8')
    config = tmp_path / 'cfg.py'
    config.write_text(f'_base_ = [{str(tiny["config"])!r}]\n'
                      'test_dataloader = dict(dataset=dict(type='
                      f'"PoseTextDataset", class_file={str(labels)!r}))\n')
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    message = exit_message(lambda: tool('test').main(
        [str(config), str(tiny['ckpt']), '--work-dir', str(tmp_path / 'w')]))
    assert_names(message, f'{labels}:2: not UTF-8 text (byte 0xe9)')
    assert tree(tmp_path) == before


def test_label_file_with_more_names_than_labels_warns(tmp_path: Path) -> None:
    from vlalign.datasets import PoseTextDataset
    ann = TOOLS.write_pose_pickle(tmp_path / 'a.pkl', num_classes=4)
    labels = _write(tmp_path / 'l.txt', b'a\nb\nc\nd\ne\nf\n')
    before = tree(tmp_path)
    with pytest.warns(UserWarning) as record:
        PoseTextDataset(str(ann), [], str(labels), split='train')
    assert_names(str(record[0].message), f'label file {labels} names 6',
                 f'labels of {ann} (split "train") only go up to 3',
                 'last 2 name(s) ("e", ...)')
    assert tree(tmp_path) == before
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the right file: no warning
        PoseTextDataset(str(ann), [], str(_write(
            tmp_path / 'ok.txt', b'a\nb\nc\nd\n')), split='train')


# ----------------------------------------------- 6. overrides that do nothing
@pytest.mark.parametrize('tool_name,option,field,close', [
    ('test', 'test_dataloder.dataset.ann_file=x.pkl', 'the config (top '
     'level) has no "test_dataloder"', 'test_dataloader'),
    ('test', 'test_dataloader.dataset.ann_fil=x.pkl',
     'test_dataloader.dataset (type PoseDataset) has no "ann_fil"',
     'ann_file'),
    ('train', 'train_dataloader.batch_szie=2',
     'train_dataloader (a DataLoader) has no "batch_szie"', 'batch_size'),
    ('train', 'optim_wrapper.optimizer.lrr=0.1',
     'optim_wrapper.optimizer (type AdamW) has no "lrr"', 'closest: lr'),
])
def test_mistyped_cfg_options_are_errors(tiny: Dict, tmp_path: Path,
                                         monkeypatch, tool_name: str,
                                         option: str, field: str,
                                         close: str) -> None:
    monkeypatch.chdir(tmp_path)
    args = [str(tiny['config'])] + ([str(tiny['ckpt'])]
                                    if tool_name == 'test' else [])
    before = tree(tmp_path)
    message = exit_message(lambda: tool(tool_name).main(
        args + ['--work-dir', str(tmp_path / 'w'), '--cfg-options', option]))
    assert_names(message, str(tiny['config']),
                 f'--cfg-options {option.split("=")[0]}', field, close)
    assert tree(tmp_path) == before


# ------------------------------------ 7. outputs, last_checkpoint, numbers
def test_work_dir_that_is_a_file(tiny: Dict, tmp_path: Path,
                                 monkeypatch) -> None:
    work = _write(tmp_path / 'work', b'notes')
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    for name, args in (('train', []), ('test', [str(tiny['ckpt'])])):
        message = exit_message(lambda: tool(name).main(
            [str(tiny['config'])] + args + ['--work-dir', str(work)]))
        assert_names(message, f'--work-dir {work} is a file, not a folder')
    assert tree(tmp_path) == before


@pytest.mark.parametrize('option', ['--out', '--dump'])
def test_output_that_is_a_folder_fails_before_evaluating(
        tiny: Dict, tmp_path: Path, monkeypatch, option: str) -> None:
    target = tmp_path / ('metrics.json' if option == '--out' else 'p.pkl')
    target.mkdir()
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    message = exit_message(lambda: tool('test').main(
        [str(tiny['config']), str(tiny['ckpt']), '--work-dir',
         str(tmp_path / 'w'), option, str(target)]))
    assert_names(message, f'{option} {target} is a folder, not a file')
    assert tree(tmp_path) == before  # no work dir: nothing was evaluated


def test_binary_last_checkpoint(tiny: Dict, tmp_path: Path) -> None:
    work = tmp_path / 'work'
    work.mkdir()
    pointer = _write(work / 'last_checkpoint', b'\x80\x00\xff\xfe garbage')
    with pytest.raises(ResumeError, match='not a text file naming'):
        find_resumable_checkpoint(str(work))
    before = tree(tmp_path)
    proc = run(['tools/train.py', tiny['config'], '--work-dir', work,
                '--resume'], cwd=tmp_path)
    assert proc.returncode != 0
    assert_names(proc.stdout, f'no checkpoint in {work} can be loaded',
                 f'{pointer}: not a text file naming a checkpoint')
    assert 'Traceback' not in proc.stdout
    assert tree(tmp_path) == before
    # with a checkpoint beside it, the resume falls back to that one
    torch.save(dict(meta=dict(epoch=1), state_dict={}), work / 'epoch_1.pth')
    choice = find_resumable_checkpoint(str(work))
    assert choice.path == str(work / 'epoch_1.pth')
    assert choice.broken[0][0] == str(pointer)


@pytest.mark.parametrize('parse,text,why', [
    (fraction(), '1.5', 'must be in [0, 1), got 1.5'),
    (fraction(), 'nan', 'must be in [0, 1)'),
    (positive_int, '0', 'must be >= 1, got 0'),
    (non_negative_int, '-1', 'must be >= 0, got -1'),
])
def test_cli_number_types_name_the_option(capsys, parse, text: str,
                                          why: str) -> None:
    """What ``--val-fraction 1.5``, ``--top-k 0`` and ``--seed -1`` get."""
    parser = argparse.ArgumentParser(prog='tool')
    parser.add_argument('--val-fraction', type=parse)
    with pytest.raises(SystemExit) as excinfo:
        parser.parse_args(['--val-fraction', text])
    assert excinfo.value.code == 2
    assert_names(capsys.readouterr().err, 'argument --val-fraction', why)


def test_make_class_split_negative_seed(tmp_path: Path, capsys) -> None:
    labels = _write(tmp_path / 'l.txt', b'a\nb\nc\nd\n')
    before = tree(tmp_path)
    with pytest.raises(SystemExit) as excinfo:
        tool('data/make_class_split').main(
            [str(labels), str(tmp_path / 'out'), '--num-unseen', '1',
             '--seed', '-1'])
    assert excinfo.value.code == 2
    assert_names(capsys.readouterr().err,
                 'argument --seed: must be >= 0, got -1')
    assert tree(tmp_path) == before


@pytest.mark.parametrize('value', ['0', '1.5'])
def test_benchmark_zeroshot_val_fraction_out_of_range(tmp_path: Path, capsys,
                                                      value: str) -> None:
    """No calibration sample (0) or more than all of them is refused."""
    before = tree(tmp_path)
    with pytest.raises(SystemExit) as excinfo:
        tool('benchmark_zeroshot').parse_args(
            ['x.py', '--protocol', 'nw-ucla_purls_5-5', '--val-fraction',
             value, '--work-dir', str(tmp_path / 'w')])
    assert excinfo.value.code == 2
    assert_names(capsys.readouterr().err,
                 f'argument --val-fraction: must be in (0, 1), got {value}')
    assert tree(tmp_path) == before


# ------------------------------------------------ 8. the option at fault
def test_make_class_split_blames_num_heldout(tmp_path: Path, capsys) -> None:
    labels = _write(tmp_path / 'l.txt', b'a\nb\nc\nd\ne\nf\n')
    before = tree(tmp_path)
    assert tool('data/make_class_split').main(
        [str(labels), str(tmp_path / 'out'), '--num-unseen', '2', '--seed',
         '0', '--num-heldout', '10']) == 2
    message = capsys.readouterr().err
    assert_names(message, '--num-heldout must be in [1, 3]', str(labels),
                 '4 seen classes with --num-unseen 2, got 10')
    assert 'num_unseen must' not in message
    assert tree(tmp_path) == before


# ------------------------------------------------------- 9. recognize.py
@pytest.fixture
def recognizer(tiny_demo_config: Callable, demo_data: str,
               tmp_path: Path) -> Dict:
    from mmengine.runner import save_checkpoint

    from vlalign.apis import init_recognizer
    cfg = tiny_demo_config()
    model = init_recognizer(str(cfg))
    ckpt = tmp_path / 'demo.pth'
    save_checkpoint(model.state_dict(), str(ckpt))
    return dict(config=cfg, ckpt=ckpt, model=model,
                poses=f'{demo_data}/demo_skeleton.pkl')


@pytest.mark.parametrize('top_k', ['0', '-1'])
def test_recognize_top_k_below_one(recognizer: Dict, tmp_path: Path,
                                   capsys, top_k: str) -> None:
    before = tree(tmp_path)
    with pytest.raises(SystemExit) as excinfo:
        tool('recognize').main([str(recognizer['config']),
                                str(recognizer['ckpt']), recognizer['poses'],
                                '--labels', 'a', 'b', '--top-k', top_k])
    assert excinfo.value.code == 2
    assert_names(capsys.readouterr().err,
                 f'argument --top-k: must be >= 1, got {top_k}')
    assert tree(tmp_path) == before


def test_recognize_duplicate_labels(recognizer: Dict, tmp_path: Path,
                                    capsys) -> None:
    from vlalign.apis import zero_shot_recognize
    before = tree(tmp_path)
    assert tool('recognize').main(
        [str(recognizer['config']), str(recognizer['ckpt']),
         recognizer['poses'], '--labels', 'squat', 'jump', 'squat']) == 1
    assert_names(capsys.readouterr().err, "--labels: ['squat'] given more "
                 'than once')
    assert tree(tmp_path) == before
    ann = dict(keypoint=np.random.rand(1, 8, 17, 2).astype(np.float32) * 50,
               frame_dir='clip3')
    with pytest.raises(DataError, match=r"labels \['squat'\] are given more"):
        zero_shot_recognize(recognizer['model'], ann, ['squat', 'squat'])
    with pytest.raises(ValueError, match='top_k must be >= 1'):
        zero_shot_recognize(recognizer['model'], ann, ['a', 'b'], top_k=0)


def test_recognize_labels_beyond_max_length(recognizer: Dict) -> None:
    from vlalign.apis import zero_shot_recognize
    model = recognizer['model']
    limit = model.text_encoder.max_length
    stem = ' '.join(['raise the left arm slowly'] * limit)
    ann = dict(keypoint=np.random.rand(1, 8, 17, 2).astype(np.float32) * 50,
               frame_dir='clip3')
    with pytest.raises(DataError) as err:  # cut to the same tokens: a tie
        zero_shot_recognize(model, ann, [stem + ' then jump',
                                         stem + ' then sit'])
    assert_names(str(err.value), f'max_length={limit} tokens',
                 'always tie', 'then jump')
    with pytest.warns(UserWarning, match=f'max_length={limit} tokens'):
        zero_shot_recognize(model, ann, [stem, 'sit down'])


# --------------------------------- 10. no half-made work dir on bad datasets
@pytest.mark.parametrize('tool_name,split', [('test', 'test'),
                                             ('train', 'val')])
def test_broken_dataset_leaves_no_work_dir(tiny: Dict, tmp_path: Path,
                                           monkeypatch, tool_name: str,
                                           split: str) -> None:
    broken = TOOLS.write_pose_pickle(tmp_path / 'broken.pkl')
    broken.write_bytes(broken.read_bytes()[:500])  # truncated by a crash
    config = tmp_path / 'cfg.py'
    config.write_text(f'_base_ = [{str(tiny["config"])!r}]\n'
                      f'{split}_dataloader = dict(dataset=dict('
                      f'ann_file={str(broken)!r}))\n')
    args = [str(config)] + ([str(tiny['ckpt'])] if tool_name == 'test'
                            else [])
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    message = exit_message(lambda: tool(tool_name).main(
        args + ['--work-dir', str(tmp_path / 'w')]))
    assert_names(message, str(config), f'{split}_dataloader.dataset',
                 str(broken), 'cannot be built')
    assert tree(tmp_path) == before  # no <work-dir>/<timestamp>/


def test_missing_test_ann_file_leaves_no_work_dir(tiny: Dict, tmp_path: Path,
                                                  monkeypatch) -> None:
    missing = tmp_path / 'gone.pkl'
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    message = exit_message(lambda: tool('test').main(
        [str(tiny['config']), str(tiny['ckpt']), '--work-dir',
         str(tmp_path / 'w'), '--cfg-options',
         f'test_dataloader.dataset.ann_file={missing}']))
    assert_names(message, 'test_dataloader.dataset', str(missing))
    assert tree(tmp_path) == before
