"""The three-dataset recipe through the tools: tools/train.py, two gloo
processes via tools/dist_train.sh, and the leave-one-dataset-out benchmark
(tiny model, generated data, 2 iterations)."""
import json
import re


def train_log_lines(log: str) -> int:
    return len(re.findall(r'Iter\(train\)\s+\[\s*\d+/\d+\]', log))


def test_train_and_dist_train_on_three_datasets(tiny_recipe, kinect_root,
                                                tools):
    cfg = tiny_recipe(max_iters=2)
    proc = tools.run_tool(['tools/train.py', cfg, '--work-dir', 'single'],
                    cwd=kinect_root)
    assert train_log_lines(proc.stdout) == 2
    assert (kinect_root / 'single' / 'iter_2.pth').exists()
    env = tools.tool_env(PORT=str(tools.free_port()))
    proc = tools.run_tool(['tools/dist_train.sh', cfg, '2', '--work-dir', 'dist'],
                    cwd=kinect_root, env=env)
    assert 'Distributed training: True' in proc.stdout
    assert 'MMDistributedDataParallel' in proc.stdout
    assert train_log_lines(proc.stdout) == 2  # rank 0 logs
    assert (kinect_root / 'dist' / 'iter_2.pth').exists()


def test_benchmark_cross_dataset_prints_the_table(tiny_recipe, kinect_root,
                                                  tools):
    cfg = tiny_recipe(desc=True, max_iters=2)
    proc = tools.run_tool(['tools/benchmark_cross_dataset.py', cfg, '--seeds', '0',
                     '--texts', 'names', 'descriptions', '--held-out',
                     'utkinect', 'msrc12', '--work-dir', 'bench'],
                    cwd=kinect_root)
    out = proc.stdout
    rows = [line for line in out.splitlines()
            if re.match(r'(utkinect|msrc12)\s+3\s+\d+\s+(names|descriptions)',
                        line)]
    assert len(rows) == 4, out[-3000:]
    assert 'chance top-1' in out
    result = json.loads((kinect_root / 'bench' /
                         'cross_dataset_benchmark.json').read_text())
    utk = result['summary']['utkinect']
    assert utk['trained_on'] == ['nw_ucla', 'msrc12']
    assert utk['num_samples'] == 6 and utk['chance']['acc/top1'] == 1 / 3
    assert {r['held_out'] for r in result['runs']} == {'utkinect', 'msrc12'}
    for run in result['runs']:
        assert 0 <= run['metrics']['acc/top1'] <= 1
    # a rerun reuses the finished trainings
    proc = tools.run_tool(['tools/benchmark_cross_dataset.py', cfg, '--seeds', '0',
                     '--texts', 'names', '--held-out', 'utkinect',
                     '--work-dir', 'bench', '--out', 'again.json'],
                    cwd=kinect_root)
    assert 'reusing the finished training' in proc.stdout
