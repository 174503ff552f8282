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


def test_benchmark_errors_name_the_option(tiny_demo_config: Callable,
                                          tmp_path: Path,
                                          run_tool: Callable) -> None:
    """issue 17: --num-unseen out of range is blamed on --num-unseen (it
    said `num_heldout must be in [1, -1]`), before anything is written."""
    cfg = tiny_demo_config()
    work = tmp_path / 'work'
    proc = run_tool(['tools/benchmark_zeroshot.py', cfg, '--num-unseen', '30',
                     '--work-dir', work], cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert '--num-unseen must be in [1, 28] for the 30 classes' in proc.stdout
    assert 'num_heldout' not in proc.stdout and not work.exists()
    proc = run_tool(['tools/benchmark_zeroshot.py', cfg, '--num-unseen', '5',
                     '--num-heldout', '30', '--work-dir', work], cwd=tmp_path,
                    check=False)
    assert proc.returncode == 1 and '--num-heldout must be in [1, 24]' in \
        proc.stdout
    proc = run_tool(['tools/benchmark_zeroshot.py', cfg, '--protocol',
                     'nw-ucla_purls_5-5', '--work-dir', work], cwd=tmp_path,
                    check=False)
    assert proc.returncode == 1 and 'does not match the label file' in \
        proc.stdout and not work.exists()
    proc = run_tool(['tools/benchmark_zeroshot.py', cfg], cwd=tmp_path,
                    check=False)
    assert proc.returncode == 2 and '--protocol NAME|DIR or --num-unseen' in \
        proc.stdout
    proc = run_tool(['tools/benchmark_zeroshot.py', '--list-protocols'],
                    cwd=tmp_path)
    assert 'nw-ucla_purls_5-5' in proc.stdout and 'ntu60_synse_55-5' in \
        proc.stdout


def test_zeroshot_descriptions_and_calibration_records(
        tiny_demo_config: Callable, demo_data: str, tmp_path: Path,
        run_tool: Callable) -> None:
    """issue 17: a --descriptions file lacking classes is named in the error
    (it said "source 0"); --calibrate-on applies a record's constant and
    refuses one that used this test split's samples."""
    from mmengine.runner import save_checkpoint

    from vlalign.apis import init_recognizer
    from vlalign.datasets import load_pose_annotations
    cfg = tiny_demo_config()
    ckpt = tmp_path / 'random.pth'
    save_checkpoint(init_recognizer(str(cfg)).state_dict(), str(ckpt))
    args = [cfg, ckpt, '--labels', f'{demo_data}/classes.txt', '--split',
            f'{demo_data}/unseen.txt', '--data-split', 'test']
    desc = tmp_path / 'my_sentence.txt'
    desc.write_text('raise the left arm;the left arm goes up.\n')
    proc = run_tool(['tools/zeroshot.py', *args, '--descriptions', desc,
                     '--work-dir', tmp_path / 'zs_desc'], cwd=tmp_path,
                    check=False)
    assert proc.returncode == 1
    assert f'{desc}: no texts for classes' in proc.stdout
    assert 'source 0' not in proc.stdout

    seen = load_class_names(f'{demo_data}/seen.txt')
    record = dict(kind='vlalign zero-shot calibration', gamma=0.75,
                  trained_classes=seen[4:], heldout_classes=seen[:4],
                  samples=dict(cal_train=['x'], cal_val=['y']),
                  average_clips='score')
    good = tmp_path / 'calibration.json'
    good.write_text(json.dumps(record))
    out = tmp_path / 'cal.json'
    proc = run_tool(['tools/zeroshot.py', *args, '--calibrate-on', good,
                     '--work-dir', tmp_path / 'zs_cal', '--out', out],
                    cwd=tmp_path)
    assert 'GZSL harmonic mean, calibrated stacking' in proc.stdout
    result = json.loads(out.read_text())
    assert result['gamma'] == 0.75 and 'gzsl_cs/hmean' in result['metrics']

    test = [a['frame_dir'] for a in load_pose_annotations(
        f'{demo_data}/demo_skeleton.pkl', 'test')]
    bad = tmp_path / 'leaky.json'
    bad.write_text(json.dumps(dict(record, samples=dict(cal_val=test[:3]))))
    proc = run_tool(['tools/zeroshot.py', *args, '--calibrate-on', bad,
                     '--work-dir', tmp_path / 'zs_bad'], cwd=tmp_path,
                    check=False)
    assert proc.returncode == 1
    assert f'calibration {bad} used 3 samples of' in proc.stdout
    assert not (tmp_path / 'zs_bad').exists()
