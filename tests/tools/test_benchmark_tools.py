"""The speed benchmarks run end to end at smoke size and print their tables
(their figures are measured by hand, never asserted on time)."""
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _json(stdout: str) -> dict:
    start = stdout.index('{\n')
    end = stdout.index('\n}', start) + 2
    return json.loads(stdout[start:end])


def test_train_speed_compares_recipes(run_tool, tmp_path):
    out = tmp_path / 'speed.json'
    proc = run_tool(['tools/benchmark/train_speed.py', '--recipes', 'mmaction2',
                     'visece', '--batch-size', '2', '--clip-len', '8',
                     '--size', '32', '--iters', '1', '--rounds', '1',
                     '--warmup', '1', '--num-samples', '4', '--workers', '0',
                     '--text-encoder', 'tiny', '--out', str(out)],
                    cwd=REPO_ROOT)
    report = json.loads(out.read_text())
    rows = {r['recipe']: r for r in report['results']}
    assert set(rows) == {'mmaction2', 'visece'}
    assert rows['mmaction2']['end_to_end_ratio_to_mmaction2'] == 1.0
    for mode in ('end_to_end', 'model_only', 'data_only'):
        assert rows['visece'][f'{mode}_clips_per_s'] > 0
    assert '| visece |' in proc.stdout


def test_zeroshot_scaling_reports_each_size(run_tool):
    proc = run_tool(['tools/benchmark/zeroshot_scaling.py', '--models', 'pacl',
                     '--num-classes', '5', '12', '--num-clips', '2',
                     '--batch-size', '2', '--repeats', '1'], cwd=REPO_ROOT)
    rows = _json(proc.stdout)['results']
    assert [r['num_classes'] for r in rows] == [5, 12]
    assert all(r['class_chunk_size'] == 64 and r['total_s'] > 0 for r in rows)
