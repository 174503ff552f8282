"""The tools on generated data: train.py, dist_train.sh (2 gloo processes),
export_features.py (shapes, atomic writes, SIGKILL mid-run) and the
segmentation benefit analysis."""
import importlib.util
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
from mmengine.config import Config
from semantic_tcn_helpers import REPO_ROOT, make_tiny_data, write_tiny_config

from vlalign.registry import MODELS


def _load_tool(rel: str):
    spec = importlib.util.spec_from_file_location(
        rel.replace('/', '_')[:-3], REPO_ROOT / rel)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


export_tool = _load_tool('tools/export_features.py')


def test_train_export_and_benefit(tiny_config: Callable, tiny_data: Path,
                                  tmp_path: Path, run_tool: Callable,
                                  capsys: pytest.CaptureFixture) -> None:
    cfg = tiny_config()
    work = tmp_path / 'work'
    log = run_tool(['tools/train.py', cfg, '--work-dir', work],
                   cwd=tmp_path).stdout
    cos = [float(v) for v in re.findall(r'align/cos_mean: ([-\d.]+)', log)]
    assert len(cos) == 2 and 'align/null/cos_mean' in log
    assert 'align/wrong/frames' in log or 'align/regular/frames' in log
    assert (work / 'epoch_2.pth').exists()
    # val is the test bundle: no best checkpoint may be chosen on it
    assert not list(work.glob('best_*.pth'))

    out = tmp_path / 'enhanced'
    export_tool.main([str(cfg), str(work / 'epoch_2.pth'), '--out-dir',
                      str(out)])  # in-process: saves a start-up
    log = capsys.readouterr().out
    assert 'exported 12, skipped 0 of 12' in log and '[12/12]' in log
    for src in sorted((tiny_data / 'features').glob('*.npy')):
        enhanced = np.load(out / src.name)
        assert enhanced.shape == (32, np.load(src).shape[1])  # (C, T)
        assert enhanced.dtype == np.float32

    bench = _load_tool('tools/analysis/segmentation_benefit.py')
    res = bench.main(['--data-root', str(tiny_data), '--enhanced-dir',
                      str(out), '--epochs', '2', '--seeds', '0'])
    assert set(res) == {'raw', 'enhanced'}
    assert res['raw']['dim'] == 64 and res['enhanced']['dim'] == 32
    for r in res.values():
        assert 0 <= r['mean']['acc'] <= 100 and 'F1@50' in r['mean']
    assert '| enhanced | 32 |' in capsys.readouterr().out


def test_dist_train_two_processes(tiny_config: Callable, tmp_path: Path,
                                  run_tool: Callable, tool_env: Callable,
                                  free_port: Callable) -> None:
    work = tmp_path / 'dist'
    env = tool_env(PORT=str(free_port()))
    log = run_tool(['tools/dist_train.sh', tiny_config(), '2', '--work-dir',
                    work], cwd=tmp_path, env=env).stdout
    assert 'Epoch(val) [2]' in log and 'align/cos_mean' in log
    assert (work / 'epoch_2.pth').exists()


def test_atomic_write_leaves_nothing_on_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dst = tmp_path / 'v.npy'
    export_tool.save_npy_atomic(np.ones((3, 4), np.float32), str(dst))
    real_save = np.save

    def torn(f, arr):  # write half the array, then fail
        real_save(f, arr[:, :2])
        raise OSError('disk full')

    monkeypatch.setattr(np, 'save', torn)
    with pytest.raises(OSError, match='disk full'):
        export_tool.save_npy_atomic(np.zeros((3, 4), np.float32), str(dst))
    assert np.load(dst).tolist() == np.ones((3, 4)).tolist()  # old file kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ['v.npy']
    (tmp_path / '.w.123.npy.part').write_bytes(b'torn')
    assert export_tool.remove_stale_parts(str(tmp_path)) == 1


def test_export_killed_mid_run_leaves_only_complete_files(
        tmp_path: Path, tool_env: Callable) -> None:
    data = tmp_path / 'data'
    make_tiny_data(data, num_train=100, num_test=0, seg_len=(200, 300))
    cfg = write_tiny_config(tmp_path, data)
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = tmp_path / 'enhanced'
    args = [sys.executable, str(REPO_ROOT / 'tools/export_features.py'),
            str(cfg), str(ckpt), '--out-dir', str(out), '--features-dir',
            str(data / 'features')]
    proc = subprocess.Popen(args, cwd=tmp_path, env=tool_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    seen = 0
    for line in proc.stdout:
        seen += line.startswith('[')
        if seen == 2:  # ~98 videos (> 1 s of work) still to go
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    frames = {p.stem: np.load(p).shape[1]
              for p in (data / 'features').glob('*.npy')}
    written = sorted(out.glob('*.npy'))
    assert 2 <= len(written) < 100  # killed mid-run
    for path in written:  # every visible file is complete
        assert np.load(path).shape == (32, frames[path.stem])

    # the next run cleans up and resumes
    done = subprocess.run(args + ['--skip-existing'], cwd=tmp_path,
                          env=tool_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert f'skipped {len(written)} of 100' in done.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f'{k}.npy' for k in frames] + [export_tool.MANIFEST])  # no .part
    for name, t in frames.items():
        assert np.load(out / f'{name}.npy').shape == (32, t)
