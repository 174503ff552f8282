"""A 2-process gloo run whose rank 1 dies must end, not hang.

Rank 1 exits abruptly (``os._exit``: no exception, no cleanup, like a crash
or an OOM kill) after a few iterations, through a test-only hook loaded by
the config's ``custom_imports`` from the test's directory. The whole launch
must end well within the configured collective timeout, with a non-zero
status and an output that names the failed rank.
"""
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

DIST_TIMEOUT_S = 60  # env_cfg.dist_cfg.timeout: the backstop for a hang
END_WITHIN_S = 45  # well under both that timeout and the default 30 min
DIE_RANK, DIE_AFTER_ITER = 1, 3  # 2 iterations per epoch and rank

_DIE_HOOK = f'''\
import os

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DieHook(Hook):
    priority = 'LOWEST'  # after LoggerHook has printed the iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if get_rank() == {DIE_RANK} and runner.iter + 1 == {DIE_AFTER_ITER}:
            print('rank {DIE_RANK} dies now', flush=True)
            os._exit(1)
'''

_OVERRIDES = f'''
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=3, val_begin=1,
                 val_interval=1)
custom_imports = dict(imports=['dist_fault_hooks'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='DieHook')]
env_cfg = dict(cudnn_benchmark=False,
               mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='gloo', timeout={DIST_TIMEOUT_S}))
'''


def _load_tools_conftest():
    """``tests/tools/conftest.py`` as a module (tests/ is no package)."""
    import importlib.util
    path = Path(__file__).with_name('conftest.py')
    spec = importlib.util.spec_from_file_location('_tools_conftest', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pgroup_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_dead_rank_ends_the_whole_run(tmp_path: Path, tool_env: Callable,
                                      free_port: Callable) -> None:
    helpers = _load_tools_conftest()
    config = helpers.write_tiny_config(tmp_path / 'cfg', name='tiny_fault')
    config.write_text(config.read_text() + _OVERRIDES)
    (tmp_path / 'cfg' / 'dist_fault_hooks.py').write_text(_DIE_HOOK)
    env = tool_env(PORT=str(free_port()), PYTHONUNBUFFERED='1',
                   PYTHONPATH=os.pathsep.join(
                       [str(helpers.REPO_ROOT), str(tmp_path / 'cfg')]))
    log = tmp_path / 'dist.log'
    with open(log, 'w') as out:
        proc = subprocess.Popen(
            ['bash', str(helpers.REPO_ROOT / 'tools' / 'dist_train.sh'),
             str(config), '2', '--work-dir', str(tmp_path / 'work')],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)  # its own group: killable as a whole
    try:
        # Time from the fault, not from the start: imports are slow on a
        # loaded CI machine and are not what this test measures.
        deadline = time.monotonic() + 300
        while f'rank {DIE_RANK} dies now' not in log.read_text():
            assert proc.poll() is None, \
                f'ended before the fault:\n{log.read_text()[-4000:]}'
            assert time.monotonic() < deadline, 'no fault within 300 s'
            time.sleep(0.1)
        died = time.monotonic()
        try:
            returncode = proc.wait(timeout=END_WITHIN_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f'launch still running {END_WITHIN_S} s after rank '
                f'{DIE_RANK} died:\n{log.read_text()[-4000:]}') from None
        elapsed = time.monotonic() - died
        output = log.read_text()
        assert returncode != 0, output[-4000:]
        # torchrun's failure summary names the rank that failed first.
        assert re.search(rf'Root Cause.*?rank\s*:\s*{DIE_RANK}\b', output,
                         re.DOTALL), output[-4000:]
        assert not _pgroup_alive(proc.pid), 'a worker outlived the launch'
        print(f'launch ended {elapsed:.1f} s after rank {DIE_RANK} died')
    finally:
        if _pgroup_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
