"""Crash-safe resume through ``tools/train.py``.

A deterministic CPU run killed with SIGKILL in the middle of an epoch and
resumed with ``--resume`` ends with the same weights as an uninterrupted run
(``RNGStateHook`` re-seeds each epoch from (seed, epoch)); a truncated newest
checkpoint makes the resume fall back to the previous one; with every
checkpoint broken the resume fails and names them.
"""
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

import pytest
import torch


def _load_tools_conftest():
    """``tests/tools/conftest.py`` as a module (tests/ is no package, and a
    module-scoped fixture cannot use its function-scoped fixtures)."""
    path = Path(__file__).with_name('conftest.py')
    spec = importlib.util.spec_from_file_location('_tools_conftest', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_helpers = _load_tools_conftest()
ITERS_PER_EPOCH = _helpers.ITERS_PER_EPOCH
REPO_ROOT = _helpers.REPO_ROOT
run_tool, tool_env = _helpers.run_tool, _helpers.tool_env
write_tiny_config = _helpers.write_tiny_config

MAX_EPOCHS = 3
KILL_EPOCH, KILL_ITER = 2, 2  # 1-based: SIGKILL after this iteration
KILL_WAIT_S = 120

# Test-only hook, imported through the config's ``custom_imports`` from the
# test's directory: after iteration ``$STALL_AT`` (``epoch:iter``) it sleeps,
# holding the run in the middle of that epoch until the test kills it. It
# draws no random numbers, so runs with and without it are comparable.
_STALL_HOOK = '''\
import os
import time

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class StallHook(Hook):
    priority = 'LOWEST'  # after LoggerHook has printed the iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        at = os.environ.get('STALL_AT')
        if at and (runner.epoch + 1, batch_idx + 1) == tuple(
                int(x) for x in at.split(':')):
            print('STALLING for the test to kill me', flush=True)
            time.sleep(600)
'''

_OVERRIDES = f'''
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={MAX_EPOCHS},
                 val_begin=1, val_interval=1)
# LR stays > 0 in every epoch, so every epoch changes the weights.
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-4,
                        T_max={MAX_EPOCHS}, by_epoch=True, begin=0,
                        end={MAX_EPOCHS}, convert_to_iter_based=True)]
custom_imports = dict(
    imports=['vlalign.engine.hooks.rng_state_hook', 'crash_test_hooks'],
    allow_failed_imports=False)
custom_hooks = [dict(type='RNGStateHook'), dict(type='StallHook')]
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory: pytest.TempPathFactory) -> Dict:
    """The config, its env, and an uninterrupted run of it.

    Returns:
        dict: ``config`` (Path), ``env`` (dict), ``full`` (Path, the work
        dir of the uninterrupted run).
    """
    root = tmp_path_factory.mktemp('crash')
    config = write_tiny_config(root / 'cfg', name='tiny_crash')
    config.write_text(config.read_text() + _OVERRIDES)
    (root / 'cfg' / 'crash_test_hooks.py').write_text(_STALL_HOOK)
    env = tool_env(PYTHONPATH=os.pathsep.join(
        [str(REPO_ROOT), str(root / 'cfg')]), PYTHONUNBUFFERED='1')
    full = root / 'full'
    run_tool(['tools/train.py', config, '--work-dir', full], cwd=root,
             env=env)
    assert (full / f'epoch_{MAX_EPOCHS}.pth').is_file()
    return dict(config=config, env=env, full=full)


def _state_dict(path: Path) -> Dict[str, torch.Tensor]:
    return torch.load(path, map_location='cpu', weights_only=False)[
        'state_dict']


def _assert_same_weights(a: Path, b: Path, tol: float = 1e-6) -> None:
    """Every tensor of the two checkpoints' state_dicts within ``tol``."""
    sa, sb = _state_dict(a), _state_dict(b)
    assert sa.keys() == sb.keys()
    for key in sa:
        diff = (sa[key].double() - sb[key].double()).abs().max().item()
        assert diff <= tol, f'{key} differs by {diff}'


def _pgroup_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _train_until_killed(config: Path, work: Path, env: Dict[str, str],
                        log: Path) -> None:
    """Start a run, wait for its ``KILL_EPOCH``/``KILL_ITER`` line, SIGKILL
    its whole process group (DataLoader workers included, if any)."""
    pattern = re.compile(
        rf'Epoch\(train\)\s+\[{KILL_EPOCH}\]\[{KILL_ITER}/{ITERS_PER_EPOCH}\]')
    with open(log, 'w') as out:
        proc = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / 'tools' / 'train.py'),
             str(config), '--work-dir', str(work)],
            cwd=work.parent, stdout=out, stderr=subprocess.STDOUT,
            env=dict(env, STALL_AT=f'{KILL_EPOCH}:{KILL_ITER}'),
            start_new_session=True)  # its own group, killed as a whole
    try:
        deadline = time.monotonic() + KILL_WAIT_S
        while not pattern.search(log.read_text()):
            assert proc.poll() is None, \
                f'run ended before the kill:\n{log.read_text()[-4000:]}'
            assert time.monotonic() < deadline, 'no epoch-2 iteration line'
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        assert not _pgroup_alive(proc.pid), 'processes left behind'
    finally:
        if proc.poll() is None or _pgroup_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(
        setup: Dict, tmp_path: Path) -> None:
    work = tmp_path / 'killed'
    _train_until_killed(setup['config'], work, setup['env'],
                        tmp_path / 'killed.log')
    # Killed inside epoch 2: only epoch 1 was saved.
    assert (work / 'epoch_1.pth').is_file()
    assert not (work / 'epoch_2.pth').exists()

    proc = run_tool(['tools/train.py', setup['config'], '--work-dir', work,
                     '--resume'], cwd=tmp_path, env=setup['env'])
    assert 'resumed epoch: 1' in proc.stdout
    final = work / f'epoch_{MAX_EPOCHS}.pth'
    _assert_same_weights(final, setup['full'] / final.name)


def _copy_run(src: Path, dst: Path) -> Path:
    """Copy a work dir; its ``last_checkpoint`` names the copy's file."""
    shutil.copytree(src, dst)
    pointer = dst / 'last_checkpoint'
    pointer.write_text(str(dst / Path(pointer.read_text().strip()).name))
    return dst


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_truncated_newest_checkpoint_falls_back_to_previous(
        setup: Dict, tmp_path: Path) -> None:
    work = _copy_run(setup['full'], tmp_path / 'trunc')
    newest, previous = (work / f'epoch_{MAX_EPOCHS}.pth',
                        work / f'epoch_{MAX_EPOCHS - 1}.pth')
    _truncate(newest)

    proc = run_tool(['tools/train.py', setup['config'], '--work-dir', work,
                     '--resume'], cwd=tmp_path, env=setup['env'])
    out = proc.stdout
    assert re.search(rf'Cannot resume from {re.escape(str(newest))} ', out)
    assert f'Resuming from the newest loadable checkpoint {previous}' in out
    assert f'resumed epoch: {MAX_EPOCHS - 1}' in out
    # Epoch 3 was redone from epoch 2 and matches the original epoch 3.
    _assert_same_weights(newest, setup['full'] / newest.name)


def test_all_checkpoints_broken_exits_naming_them(
        setup: Dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = _copy_run(setup['full'], tmp_path / 'broken')
    ckpts = sorted(work.glob('epoch_*.pth'))
    assert len(ckpts) == MAX_EPOCHS
    for ckpt in ckpts:
        _truncate(ckpt)

    # In-process (it fails before any training, so nothing global is left
    # changed) to spare a subprocess' imports: SystemExit with a message is
    # what makes ``python tools/train.py`` print it and exit with status 1.
    spec = importlib.util.spec_from_file_location(
        '_train_tool', REPO_ROOT / 'tools' / 'train.py')
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    monkeypatch.syspath_prepend(str(setup['config'].parent))
    # parse_args sets LOCAL_RANK when absent; undo that after the test.
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    with pytest.raises(SystemExit) as excinfo:
        train.main([str(setup['config']), '--work-dir', str(work),
                    '--resume'])
    message = excinfo.value.code
    assert isinstance(message, str), 'exit status would be 0 or a number'
    assert 'can be loaded to resume from' in message
    for ckpt in ckpts:
        assert str(ckpt) in message
