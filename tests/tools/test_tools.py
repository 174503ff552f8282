"""End-to-end tests of ``tools/`` as users run them, on a tiny CPU config.

The fixtures (``tiny_config``, ``trained``, ``run_tool`` ...) live in
``tests/tools/conftest.py``. Each tool runs as a subprocess, as a user types
it; the argument merging is also unit-tested in-process.
"""
import importlib.util
import pickle
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Callable, Dict

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')


@pytest.fixture(autouse=True)
def _local_rank_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """``parse_args`` sets ``LOCAL_RANK`` when unset; keep it out of the
    pytest process's environment."""
    monkeypatch.setenv('LOCAL_RANK', '0')


def _load_tool(name: str) -> types.ModuleType:
    """Import ``tools/<name>.py`` as a module (``tools`` is no package)."""
    spec = importlib.util.spec_from_file_location(
        f'vlalign_tools_{name}', REPO_ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_ckpt(path: Path) -> Dict:
    """Load an mmengine checkpoint written by these tests (trusted)."""
    return torch.load(path, map_location='cpu', weights_only=False)


def _assert_trained_work_dir(work_dir: Path, config_name: str) -> None:
    """Check what a finished 2-epoch run leaves in its work dir."""
    assert sorted(work_dir.glob('best_*.pth')), 'no best checkpoint'
    last = work_dir / 'last_checkpoint'
    assert last.is_file()
    last_ckpt = Path(last.read_text().strip())
    assert last_ckpt.name == 'epoch_2.pth' and last_ckpt.is_file()
    assert (work_dir / config_name).is_file(), 'config not dumped'
    log_dirs = [d for d in work_dir.iterdir()
                if d.is_dir() and TIMESTAMP.match(d.name)]
    assert log_dirs, 'no timestamped log dir'
    assert all((d / f'{d.name}.log').is_file() for d in log_dirs)


# ----------------------------------------------------------- argument merging
class TestMergeArgs:
    """``merge_args`` of train.py/test.py, in-process (fast)."""

    @staticmethod
    def _cfg():
        from mmengine.config import Config
        return Config(
            dict(
                optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
                test_evaluator=dict(type='AccMetric'),
                val_cfg=dict(type='ValLoop'),
                val_dataloader=dict(batch_size=1),
                val_evaluator=dict(type='AccMetric'),
                randomness=dict(seed=3, deterministic=False)))

    def test_train_resume_seed_workdir(self, tiny_config: Path,
                                       tmp_path: Path) -> None:
        """--resume with/without a path, --seed, default work dir."""
        train = _load_tool('train')
        ckpt = tmp_path / 'some.pth'
        ckpt.write_bytes(b'')

        cfg = train.merge_args(
            self._cfg(), train.parse_args([str(tiny_config), '--resume']))
        assert cfg.resume is True and cfg.load_from is None
        assert Path(cfg.work_dir) == Path('work_dirs') / tiny_config.stem
        assert cfg.default_scope == 'vlalign'
        assert cfg.randomness == dict(
            seed=3, deterministic=False, diff_rank_seed=False)

        cfg = train.merge_args(self._cfg(), train.parse_args([
            str(tiny_config), '--resume', str(ckpt), '--seed', '7',
            '--deterministic', '--no-validate', '--work-dir', 'wd',
            '--amp', '--cfg-options', 'train_cfg.max_epochs=5']))
        assert cfg.resume is True and cfg.load_from == str(ckpt)
        assert cfg.randomness == dict(
            seed=7, deterministic=True, diff_rank_seed=False)
        assert cfg.val_cfg is None and cfg.val_evaluator is None
        assert cfg.work_dir == 'wd'
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert cfg.train_cfg.max_epochs == 5

        cfg = train.merge_args(self._cfg(),
                               train.parse_args([str(tiny_config)]))
        assert 'resume' not in cfg and cfg.launcher == 'none'
        with pytest.raises(SystemExit, match='auto_scale_lr'):
            train.merge_args(self._cfg(), train.parse_args(
                [str(tiny_config), '--auto-scale-lr']))

    def test_test_dump(self, tiny_config: Path) -> None:
        """--dump appends mmengine's DumpResults to the test evaluator."""
        test = _load_tool('test')
        args = test.parse_args(
            [str(tiny_config), str(tiny_config), '--dump', 'out.pkl'])
        cfg = test.merge_args(self._cfg(), args)
        assert cfg.test_evaluator == [
            dict(type='AccMetric'),
            dict(type='DumpResults', out_file_path='out.pkl')]

    def test_missing_files_are_clear_errors(
            self, tiny_config: Path, tmp_path: Path,
            run_tool: Callable) -> None:
        """A missing config/checkpoint gives a usage error, no traceback."""
        proc = run_tool(['tools/train.py', tmp_path / 'nope.py'],
                        cwd=tmp_path, check=False)
        assert proc.returncode == 2
        assert 'nope.py" does not exist' in proc.stdout
        assert 'Traceback' not in proc.stdout
        test = _load_tool('test')
        with pytest.raises(SystemExit):
            test.parse_args([str(tiny_config), str(tmp_path / 'no.pth')])


# ------------------------------------------------------------------ train.py
def test_train_to_completion(trained: Dict, tiny_spec: Dict) -> None:
    """``tools/train.py CONFIG`` trains 2 epochs into ./work_dirs/<stem>."""
    work_dir = trained['work_dir']
    _assert_trained_work_dir(work_dir, 'tiny_stgcn.py')
    assert re.search(r'Epoch\(val\)\s+\[2\].*acc/top1', trained['output'])
    ckpt = _load_ckpt(work_dir / 'epoch_2.pth')
    assert ckpt['meta']['epoch'] == 2
    assert ckpt['meta']['iter'] == 2 * tiny_spec['iters_per_epoch']


def test_train_resume(tiny_config: Path, tmp_path: Path, run_tool: Callable,
                      tiny_spec: Dict) -> None:
    """``--resume`` (no path) continues from the work dir's last epoch."""
    iters = tiny_spec['iters_per_epoch']
    work_dir = tmp_path / 'wd'
    first = run_tool([
        'tools/train.py', tiny_config, '--work-dir', work_dir,
        '--cfg-options', 'train_cfg.max_epochs=1'], cwd=tmp_path)
    assert re.search(r'Epoch\(train\)\s+\[1\]', first.stdout)
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    assert not (work_dir / 'epoch_2.pth').exists()

    second = run_tool([
        'tools/train.py', tiny_config, '--work-dir', work_dir, '--resume',
        '--cfg-options', 'train_cfg.max_epochs=2'], cwd=tmp_path)
    out = second.stdout
    assert 'Auto resumed from the latest checkpoint' in out
    assert f'Load checkpoint from {work_dir / "epoch_1.pth"}' in out
    assert f'resumed epoch: 1, iter: {iters}' in out
    assert not re.search(r'Epoch\(train\)\s+\[1\]', out), 'epoch 1 re-run'
    assert re.search(r'Epoch\(train\)\s+\[2\]', out)
    # The LR schedule continues too: a restarted warmup would log 5e-4.
    first_iter = re.search(r'Epoch\(train\)\s+\[2\]\[1/\d+\]\s+lr: (\S+)',
                           out)
    assert float(first_iter.group(1)) == pytest.approx(1e-3)

    ckpt = _load_ckpt(work_dir / 'epoch_2.pth')
    assert ckpt['meta']['epoch'] == 2
    assert ckpt['meta']['iter'] == 2 * iters
    steps = {int(s['step']) for s in ckpt['optimizer']['state'].values()}
    assert steps == {2 * iters}, 'optimizer state not resumed'


# ------------------------------------------------------------------- test.py
def test_test_prints_metrics(trained: Dict, tiny_config: Path,
                             tmp_path: Path, run_tool: Callable) -> None:
    """``tools/test.py CONFIG CHECKPOINT`` evaluates and prints acc/top1."""
    ckpt = trained['work_dir'] / 'epoch_2.pth'
    proc = run_tool(['tools/test.py', tiny_config, ckpt, '--work-dir',
                     tmp_path / 'wd'], cwd=tmp_path)
    assert f'Load checkpoint from {ckpt}' in proc.stdout
    assert re.search(r'Epoch\(test\).*acc/top1: \d\.\d{4}', proc.stdout)


def test_test_dump(trained: Dict, tiny_config: Path, tmp_path: Path,
                   run_tool: Callable, tiny_spec: Dict) -> None:
    """``--dump FILE.pkl`` writes one prediction per test sample."""
    dump = tmp_path / 'preds.pkl'
    best = sorted(trained['work_dir'].glob('best_*.pth'))[0]
    proc = run_tool(['tools/test.py', tiny_config, best, '--work-dir',
                     tmp_path / 'wd', '--dump', dump], cwd=tmp_path)
    assert 'acc/top1' in proc.stdout
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == tiny_spec['num_val']
    assert all(p['pred_score'].shape == (tiny_spec['num_classes'], )
               for p in preds)


# ----------------------------------------------------------- dist_*.sh (gloo)
def test_dist_train_and_test(trained: Dict, tiny_config: Path,
                             tmp_path: Path, run_tool: Callable,
                             tool_env: Callable,
                             free_port: Callable) -> None:
    """``dist_train.sh CONFIG 2`` / ``dist_test.sh CONFIG CKPT 2`` on CPU."""
    work_dir = tmp_path / 'wd_dist'
    env = tool_env(PYTHON=sys.executable, PORT=str(free_port()))
    proc = run_tool(['tools/dist_train.sh', tiny_config, '2',
                     '--work-dir', work_dir], cwd=tmp_path, env=env)
    assert 'torch.distributed.run' in proc.stdout
    assert '--nproc_per_node=2' in proc.stdout
    assert 'Distributed launcher: pytorch' in proc.stdout
    assert re.search(r"dist_cfg: \{'backend': 'gloo'", proc.stdout)
    # 16 samples, batch 4, 2 ranks -> 2 iterations per epoch on each rank.
    assert re.search(r'Epoch\(train\)\s+\[2\]\[2/2\]', proc.stdout)
    _assert_trained_work_dir(work_dir, 'tiny_stgcn.py')
    assert _load_ckpt(work_dir / 'epoch_2.pth')['meta']['epoch'] == 2

    env = tool_env(PYTHON=sys.executable, PORT=str(free_port()))
    proc = run_tool(['tools/dist_test.sh', tiny_config,
                     trained['work_dir'] / 'epoch_2.pth', '2',
                     '--work-dir', tmp_path / 'wd_test'],
                    cwd=tmp_path, env=env)
    assert 'Distributed launcher: pytorch' in proc.stdout
    assert re.search(r'Epoch\(test\).*acc/top1: \d\.\d{4}', proc.stdout)


def test_shell_scripts() -> None:
    """The launch scripts are valid bash, use torchrun and pass the
    launcher to the python tools."""
    expected = {'dist_train.sh': '--launcher pytorch',
                'dist_test.sh': '--launcher pytorch',
                'slurm_train.sh': '--launcher="slurm"',
                'slurm_test.sh': '--launcher="slurm"'}
    for name, launcher in expected.items():
        script = REPO_ROOT / 'tools' / name
        subprocess.run(['bash', '-n', str(script)], check=True)
        text = script.read_text()
        assert launcher in text
        assert 'torch.distributed.launch' not in text
        assert '${PYTHON:-python}' in text


def test_slurm_scripts_call_srun(tmp_path: Path) -> None:
    """slurm_*.sh pass the resources, work dir and arguments to ``srun``
    (a stand-in ``srun`` on ``PATH`` prints what it gets)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    srun.chmod(0o755)
    env = dict(PATH=f'{bin_dir}:/usr/bin:/bin', GPUS='4', GPUS_PER_NODE='2',
               PYTHON='py')

    def srun_args(*args: str) -> list:
        proc = subprocess.run(['bash', *args], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True, check=True)
        return proc.stdout.splitlines()

    train = str(REPO_ROOT / 'tools' / 'train.py')
    got = srun_args(str(REPO_ROOT / 'tools' / 'slurm_train.sh'), 'part',
                    'job', 'cfg.py', 'wd', '--seed', '1')
    assert got[:3] == ['-p', 'part', '--job-name=job']
    assert '--ntasks=4' in got and '--ntasks-per-node=2' in got
    assert '--cpus-per-task=5' in got
    assert got[got.index('py'):] == [
        'py', '-u', train, 'cfg.py', '--work-dir=wd', '--launcher=slurm',
        '--seed', '1']
    got = srun_args(str(REPO_ROOT / 'tools' / 'slurm_train.sh'), 'part',
                    'job', 'cfg.py', '--seed', '1')
    assert got[got.index('py'):] == [
        'py', '-u', train, 'cfg.py', '--launcher=slurm', '--seed', '1']

    got = srun_args(str(REPO_ROOT / 'tools' / 'slurm_test.sh'), 'part',
                    'job', 'cfg.py', 'ck.pth', '--dump', 'r.pkl')
    assert got[got.index('py'):] == [
        'py', '-u', str(REPO_ROOT / 'tools' / 'test.py'), 'cfg.py', 'ck.pth',
        '--launcher=slurm', '--dump', 'r.pkl']


def test_local_rank_spellings(tiny_config: Path) -> None:
    """Both ``--local_rank`` and ``--local-rank`` are accepted."""
    train = _load_tool('train')
    for flag in ('--local_rank', '--local-rank'):
        assert train.parse_args([str(tiny_config), flag, '1']).local_rank == 1
