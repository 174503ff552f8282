"""FeatureCLIP through the tools: train.py / dist_train.sh on generated data,
test.py zero-shot, the data tools and the benchmark (tiny sizes)."""
import json
import re
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np
import pytest

from vlalign.data_prep.demo.feature_narrations import \
    generate_feature_narrations

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(REPO_ROOT / 'configs' / 'feature_clip' /
             'featureclip_mlp_1xb32-10e_demo-features.py')


def _path_options(d: Dict[str, str]) -> List[str]:
    opts = []
    for split in ('train', 'val', 'test'):
        opts.append(f'{split}_dataloader.dataset.feature_file='
                    f'{d["feature_file"]}')
    opts += ['train_dataloader.dataset.narration_file='
             f'{d["train_narrations"]}',
             f'val_dataloader.dataset.narration_file={d["val_narrations"]}',
             f'test_dataloader.dataset.ann_file={d["classification"]}',
             f'test_dataloader.dataset.class_file={d["class_file"]}',
             'test_dataloader.dataset.class_embedding_file='
             f'{d["class_embeddings"]}']
    return opts


def load_tool(relpath: str):
    """Import a tool script as a module (to call its ``main(argv)`` in
    process: the data tools' own logic, without a new interpreter)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        Path(relpath).stem, REPO_ROOT / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _metric(log: str, key: str) -> float:
    found = re.findall(re.escape(key) + r': (\d\.\d+)', log)
    assert found, f'{key} not in the log'
    return float(found[-1])


def test_train_demo_config_then_zero_shot(tmp_path: Path,
                                          run_tool: Callable) -> None:
    data = generate_feature_narrations(str(tmp_path / 'data'))
    opts = _path_options(data)
    work = tmp_path / 'work'
    proc = run_tool(['tools/train.py', CONFIG, '--work-dir', work,
                     '--cfg-options', *opts], cwd=tmp_path)
    log = proc.stdout
    assert 'Epoch(train) [10][12/12]' in log  # 384 pairs, batch 32
    # 48 val pairs: chance mean recall over R@1/5/10 is ~0.11
    assert _metric(log, 'retrieval/mean_recall') > 0.3
    losses = [float(x) for x in re.findall(r' loss: (\d+\.\d+)', log)]
    assert losses[-1] < 0.6 * losses[0]
    # val and test share the held-out videos: no best checkpoint
    assert not list(work.glob('best_*.pth'))
    proc = run_tool(['tools/test.py', CONFIG, work / 'epoch_10.pth',
                     '--work-dir',
                     tmp_path / 'test', '--cfg-options', *opts], cwd=tmp_path)
    # 8 classes by prompt embeddings: chance top-1 is 0.125
    assert _metric(proc.stdout, 'acc/top1') > 0.5
    assert _metric(proc.stdout, 'acc/top5') >= _metric(proc.stdout,
                                                       'acc/top1')


def test_dist_train_demo_config(tmp_path: Path, run_tool: Callable,
                                tool_env: Callable,
                                free_port: Callable) -> None:
    # the config's default data_root, relative to the working directory
    generate_feature_narrations(str(tmp_path / 'data' /
                                    'feature_narrations_demo'),
                                num_train_videos=16, num_val_videos=4)
    work = tmp_path / 'dist'
    env = tool_env(PORT=str(free_port()))
    proc = run_tool(['tools/dist_train.sh', CONFIG, '2', '--work-dir', work,
                     '--cfg-options', 'train_cfg.max_epochs=2',
                     'train_cfg.val_interval=1'], cwd=tmp_path, env=env)
    log = proc.stdout
    assert 'Distributed launcher: pytorch' in log
    # 96 pairs, batch 32 per rank, 2 ranks -> 1 iteration per epoch
    assert re.search(r'Epoch\(train\)\s+\[2\]\[1/1\]', log)
    assert 'retrieval/v2t/R@1' in log
    assert (work / 'epoch_2.pth').exists()


def test_build_feature_store_tool(tmp_path: Path, capsys) -> None:
    import torch
    from vlalign.datasets import FeatureStore
    src = tmp_path / 'src'
    src.mkdir()
    a = torch.randn(7, 16)
    b = np.random.default_rng(0).standard_normal((5, 16)).astype(np.float32)
    torch.save(a, src / 'vid_a.pt')
    np.save(src / 'vid_b.npy', b)
    out = tmp_path / 'f.h5'
    tool = load_tool('tools/data/build_feature_store.py')
    assert tool.main([str(src), str(out), '--expected-dim', '16',
                      '--no-progress']) == 0
    assert '2 videos' in capsys.readouterr().out
    assert tool.main([str(src), str(tmp_path / 'g.h5'), '--expected-dim',
                      '8', '--no-progress']) == 1
    assert 'is 16-d, expected 8-d' in capsys.readouterr().err
    assert not (tmp_path / 'g.h5').exists()
    store = FeatureStore(str(out))
    assert store.keys == ['vid_a', 'vid_b']
    np.testing.assert_array_equal(store.get('vid_a'), a.numpy())
    np.testing.assert_array_equal(store.read('vid_b', 1, 3), b[1:3])


def test_encode_narrations_tool(tmp_path: Path, run_tool: Callable) -> None:
    from vlalign.datasets import TextEmbeddings
    from vlalign.testing import TINY_BERT
    data = generate_feature_narrations(str(tmp_path / 'd'),
                                       num_train_videos=2, num_val_videos=1)
    tiny = json.dumps(TINY_BERT)
    run_tool(['tools/data/encode_narrations.py', data['train_json'],
              tmp_path / 'enc', '--random-config', tiny, '--batch-size', '5',
              '--no-progress'], cwd=tmp_path)
    emb = TextEmbeddings(str(tmp_path / 'enc'))
    assert emb.embeddings.shape == (12, 32)  # 2 videos x 6 segments
    assert emb.items[0]['text'].startswith('Camera wearer C ')
    np.testing.assert_allclose(np.linalg.norm(emb.embeddings, axis=1), 1,
                               rtol=1e-5)
    tool = load_tool('tools/data/encode_narrations.py')
    assert tool.main(['--classes', data['class_file'], str(tmp_path / 'cls'),
                      '--random-config', tiny, '--prompt',
                      'a video of {label}', '--prompt',
                      'The person in this video is doing {label}',
                      '--no-progress']) == 0
    cls = TextEmbeddings(str(tmp_path / 'cls'))
    assert cls.embeddings.shape == (8, 32)
    assert cls.items[0]['text'] == [
        'a video of cutting vegetables',
        'The person in this video is doing cutting vegetables']


def test_benchmark_prints_both_throughputs(tmp_path: Path,
                                           run_tool: Callable) -> None:
    proc = run_tool(['tools/benchmark/feature_clip.py', '--videos', '4',
                     '--frames', '40', '--narrations', '96', '--feature-dim',
                     '16', '--text-dim', '8', '--proj-dim', '8',
                     '--batch-size', '16', '--steps', '3', '--warmup', '1'],
                    cwd=tmp_path)
    out = json.loads(proc.stdout[proc.stdout.index('{'):])
    assert out['seed_style_examples_per_s'] > 0
    assert out['vlalign_examples_per_s'] > 0
    assert out['ratio'] == pytest.approx(
        out['vlalign_examples_per_s'] / out['seed_style_examples_per_s'],
        rel=0.02)
    # same model, same data, same order: both paths end at the same loss
    assert out['same_final_loss'] is True
