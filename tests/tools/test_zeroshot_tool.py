"""tools/zeroshot.py: any checkpoint, any label file; one process and two
(dist_test.sh) give the same figures."""
import json
from pathlib import Path
from typing import Callable

import pytest

from vlalign.classes import load_class_names


def _renamed_label_files(demo_data: str, tmp_path: Path):
    """Label files with texts the model never saw, same label order."""
    names = [f'a person who does this: {n}'
             for n in load_class_names(f'{demo_data}/classes.txt')]
    unseen = {f'a person who does this: {n}'
              for n in load_class_names(f'{demo_data}/unseen.txt')}
    labels, split = tmp_path / 'labels.txt', tmp_path / 'unseen.txt'
    labels.write_text('\n'.join(names) + '\n')
    split.write_text('\n'.join(n for n in names if n in unseen) + '\n')
    return labels, split


def test_zeroshot_tool_single_and_two_processes_agree(
        tiny_demo_config: Callable, demo_data: str, tmp_path: Path,
        run_tool: Callable, tool_env: Callable, free_port: Callable) -> None:
    cfg = tiny_demo_config(extra='train_cfg = dict(max_epochs=1)')
    work = tmp_path / 'train'
    run_tool(['tools/train.py', cfg, '--work-dir', work], cwd=tmp_path)
    ckpt = work / 'epoch_1.pth'
    labels, split = _renamed_label_files(demo_data, tmp_path)
    args = ['--labels', labels, '--split', split, '--prompts', 'person']

    proc = run_tool(['tools/zeroshot.py', cfg, ckpt, *args, '--work-dir',
                     tmp_path / 'zs1', '--out', tmp_path / 'one.json'],
                    cwd=tmp_path)
    assert 'ZSL top-1' in proc.stdout and 'GZSL harmonic mean' in proc.stdout
    env = tool_env(PORT=str(free_port()))
    run_tool(['tools/dist_test.sh', cfg, ckpt, '2', *args, '--work-dir',
              tmp_path / 'zs2', '--out', tmp_path / 'two.json'],
             cwd=tmp_path, env=env)
    one = json.loads((tmp_path / 'one.json').read_text())['metrics']
    two = json.loads((tmp_path / 'two.json').read_text())['metrics']
    assert {'zsl/top1', 'gzsl/seen', 'gzsl/unseen', 'gzsl/hmean'} <= set(one)
    assert one.keys() == two.keys()
    for key in one:
        assert one[key] == pytest.approx(two[key], abs=1e-6, nan_ok=True), key

    # --labels is what makes it zero-shot: the tool requires it
    proc = run_tool(['tools/zeroshot.py', cfg, ckpt], cwd=tmp_path, check=False)
    assert proc.returncode == 2 and '--labels' in proc.stdout


def test_recognize_demo_ranks_labels_of_pickle_samples(
        tiny_demo_config: Callable, demo_data: str, tmp_path: Path,
        run_tool: Callable) -> None:
    cfg = tiny_demo_config()
    pkl = f'{demo_data}/demo_skeleton.pkl'
    proc = run_tool(['tools/recognize.py', cfg, 'none', pkl, '--split', 'test',
                     '--labels', 'jump up', 'sit down', '--samples', '0', '1',
                     '--top-k', '2'], cwd=tmp_path, check=False)
    # 'none' is not a checkpoint file: the tool fails
    assert proc.returncode != 0
    from vlalign.apis import init_recognizer
    from mmengine.runner import save_checkpoint
    ckpt = tmp_path / 'random.pth'
    save_checkpoint(init_recognizer(str(cfg)).state_dict(), str(ckpt))
    proc = run_tool(['tools/recognize.py', cfg, ckpt, pkl, '--split', 'test',
                     '--label-file', f'{demo_data}/classes.txt', '--samples',
                     '0', '--top-k', '2'], cwd=tmp_path)
    lines = proc.stdout.strip().splitlines()[-3:]
    assert '(annotated: ' in lines[0]
    assert all(len(line.split(None, 1)) == 2 for line in lines[1:])
    proc = run_tool(['tools/recognize.py', cfg, ckpt, pkl, '--labels', 'a',
                     '--samples', 'no_such_clip'], cwd=tmp_path, check=False)
    assert proc.returncode == 1 and 'no_such_clip' in proc.stdout
