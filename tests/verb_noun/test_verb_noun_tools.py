"""The verb/noun configs through the tools, on generated EPIC-100 data:
train.py (one process), dist_train.sh with 2 gloo processes, test.py."""
import json
import re
from pathlib import Path
from typing import Callable, List

REPO = Path(__file__).resolve().parents[2]
DEMO_CFG = (REPO / 'configs' / 'verb_noun' /
            'verbnoun-xattn_mstemporal_1xb16-u16-15e_epic-demo-feature.py')


def _val_metrics(work_dir: Path) -> List[dict]:
    """The validation records of the run's scalars.json."""
    (scalars, ) = work_dir.glob('*/vis_data/scalars.json')
    records = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [r for r in records if 'verb_noun/action_top1' in r]


def test_train_learns_and_logs_the_gap(
        tmp_path: Path, run_tool: Callable, demo_options: List[str]) -> None:
    work = tmp_path / 'work'
    proc = run_tool(['tools/train.py', DEMO_CFG, '--work-dir', work,
                     '--cfg-options', 'train_cfg.max_epochs=5',
                     *demo_options], cwd=tmp_path)
    assert 'Epoch(train) accuracy: action_top1' in proc.stdout
    val = _val_metrics(work)
    assert len(val) == 5
    last = val[-1]
    # 8 verbs x 10 nouns: chance is 1/8 verbs, 1/10 nouns, ~1/40 actions
    # (40 plausible pairs); after 5 epochs on 72 segments this run reaches
    # 0.83 / 0.58 / 0.50 on the 24 validation segments
    assert last['verb_noun/verb_top1'] > 0.5
    assert last['verb_noun/noun_top1'] > 0.35
    assert last['verb_noun/action_top1'] > 0.25
    for r in val:  # action top-1 never beats either task; top-5 >= top-1
        assert r['verb_noun/action_top1'] <= min(r['verb_noun/verb_top1'],
                                                 r['verb_noun/noun_top1'])
        assert r['verb_noun/action_top5'] >= r['verb_noun/action_top1']
        assert abs(r['gap/verb_top1'] - (r['verb_noun/verb_top1']
                                         - r['train/verb_top1'])) < 1e-6
    # validation is the reported split: no best checkpoint is chosen on it
    assert not list(work.glob('best_*.pth'))


def test_dist_train_two_processes_then_test(
        tmp_path: Path, run_tool: Callable, tool_env: Callable,
        free_port: Callable, demo_options: List[str]) -> None:
    work = tmp_path / 'dist'
    env = tool_env(PORT=str(free_port()))
    proc = run_tool(['tools/dist_train.sh', DEMO_CFG, '2', '--work-dir', work,
                     '--cfg-options', 'train_cfg.max_epochs=1',
                     *demo_options], cwd=tmp_path, env=env)
    assert 'Epoch(val) [1]' in proc.stdout
    # the two ranks' batches together: 6 videos x 12 segments = 72 samples,
    # 16 per batch and rank -> 3 iterations per rank
    assert re.search(r'Epoch\(train\)\s+\[1\]\[3/3\]', proc.stdout)
    ckpt = work / 'epoch_1.pth'
    assert ckpt.exists()
    proc = run_tool(['tools/test.py', DEMO_CFG, ckpt, '--work-dir',
                     tmp_path / 'test', '--cfg-options', *demo_options],
                    cwd=tmp_path)
    assert re.search(r'verb_noun/action_top5: [0-9.]+', proc.stdout)
