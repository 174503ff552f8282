"""The demo recipe (Visece on the embedded demo data) through the tools:
two gloo processes via dist_train.sh, test.py on unseen classes, resume."""
import re
from pathlib import Path
from typing import Callable

import torch


def test_dist_train_demo_config_then_zero_shot_test(
        tiny_demo_config: Callable, tmp_path: Path, run_tool: Callable,
        tool_env: Callable, free_port: Callable) -> None:
    cfg = tiny_demo_config()
    work = tmp_path / 'dist'
    env = tool_env(PORT=str(free_port()))
    proc = run_tool(['tools/dist_train.sh', cfg, '2', '--work-dir', work],
                    cwd=tmp_path, env=env)
    log = proc.stdout
    assert 'Epoch(val) [2]' in log
    best = sorted(work.glob('best_acc_top1_epoch_*.pth'))
    assert best and (work / 'last_checkpoint').exists()

    # Zero-shot: the test set holds only classes never trained on.
    proc = run_tool(['tools/test.py', cfg, best[0], '--work-dir',
                     tmp_path / 'test'], cwd=tmp_path)
    assert "acc/top1" in proc.stdout


def test_resume_continues_from_last_checkpoint(
        tiny_demo_config: Callable, tmp_path: Path, run_tool: Callable) -> None:
    cfg = tiny_demo_config()
    work = tmp_path / 'work'
    run_tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
              'train_cfg.max_epochs=1'], cwd=tmp_path)
    first = torch.load(work / 'epoch_1.pth', weights_only=False)
    proc = run_tool(['tools/train.py', cfg, '--work-dir', work, '--resume'],
                    cwd=tmp_path)
    log = proc.stdout
    assert 'resumed epoch: 1' in log
    epochs = re.findall(r'Epoch\(train\)\s+\[(\d+)\]', log)
    assert epochs and set(epochs) == {'2'}, sorted(set(epochs))
    final = torch.load(work / 'epoch_2.pth', weights_only=False)
    assert final['meta']['epoch'] == 2
    iters_per_epoch = first['meta']['iter']
    assert final['meta']['iter'] == 2 * iters_per_epoch
    # the optimizer state continued: AdamW's step count covers both epochs
    steps = {float(s['step']) for s in final['optimizer']['state'].values()}
    assert steps == {float(2 * iters_per_epoch)}
