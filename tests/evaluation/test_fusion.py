"""Score-level fusion of dumped test results, on a case worked out by hand.

Classes a, b, c (a seen; b, c unseen in the zero-shot checks); labels
[a, b, c, c]. Two streams, J and B:

    sample label  J             B             J + 0.5 B          J + B
    s0     a      .6 .3 .1 a ok .2 .7 .1 b    .70 .65 .15 a ok  .8 1.0 .2 b
    s1     b      .5 .4 .1 a    .1 .8 .1 b ok .55 .80 .15 b ok  .6 1.2 .2 b ok
    s2     c      .2 .3 .5 c ok .5 .1 .4 a    .45 .35 .70 c ok  .7 0.4 .9 c ok
    s3     c      .1 .5 .4 b    .1 .2 .7 c ok .15 .60 .75 c ok  .2 0.7 1.1 c ok

top-1: J 2/4, B 2/4, J+0.5B 4/4, J+B 3/4; top-5 = 1 (3 classes).
Mean class accuracy: J (1 + 0 + 1/2)/3 = 1/2; J+B (0 + 1 + 1)/3 = 2/3.
Zero-shot with b, c unseen, J: ZSL (s1..s3 among b, c: s1 [.4 .1] b ok,
s2 [.3 .5] c ok, s3 [.5 .4] b) = 2/3; GZSL seen a = 1, unseen (b 0 + c 1/2)/2
= 1/4, H = 2 * 1 * 1/4 / (5/4) = 0.4. J+0.5B: ZSL 1, GZSL 1, 1, 1.
"""
import json
import os
import pickle
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import DumpResults

from vlalign.evaluation.fusion import (fuse_scores, fusion_metrics,
                                       load_dumped_scores)
from vlalign.utils.errors import DataError

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'analysis' / 'fuse_scores.py'
CLASSES = ['a', 'b', 'c']
LABELS = [0, 1, 2, 2]
J = np.array([[.6, .3, .1], [.5, .4, .1], [.2, .3, .5], [.1, .5, .4]])
B = np.array([[.2, .7, .1], [.1, .8, .1], [.5, .1, .4], [.1, .2, .7]])


def samples(scores, labels=LABELS):
    """Model outputs as mmengine's Evaluator hands them to DumpResults."""
    out = []
    for score, label in zip(scores, labels):
        ds = ActionDataSample().set_gt_label(int(label))
        ds.set_pred_score(torch.tensor(score, dtype=torch.float32))
        ds.set_pred_label(torch.tensor([int(np.argmax(score))]))
        ds.set_metainfo(dict(img_shape=(480, 640)))
        out.append(ds.to_dict())
    return out


def write_dump(path: Path, scores, labels=LABELS) -> str:
    """A pickle as DumpResults writes it: a list of per-sample dicts."""
    with open(path, 'wb') as f:
        pickle.dump(samples(scores, labels), f)
    return str(path)


@pytest.fixture
def dumps(tmp_path):
    return (write_dump(tmp_path / 'j.pkl', J),
            write_dump(tmp_path / 'b.pkl', B))


def test_load_dumped_scores(dumps):
    scores, labels = load_dumped_scores(dumps[0])
    assert scores.shape == (4, 3) and scores.dtype == np.float64
    np.testing.assert_allclose(scores, J, atol=1e-6)
    assert labels.tolist() == LABELS and labels.dtype == np.int64


def test_load_what_mmengine_dumpresults_writes(tmp_path):
    path = str(tmp_path / 'dumped.pkl')
    metric = DumpResults(out_file_path=path)
    metric.process(None, samples(J))
    assert metric.evaluate(len(LABELS)) == {}
    scores, labels = load_dumped_scores(path)
    np.testing.assert_allclose(scores, J, atol=1e-6)
    assert labels.tolist() == LABELS


def test_fused_accuracy_by_hand(dumps):
    (sj, lj), (sb, lb) = map(load_dumped_scores, dumps)
    fused = fuse_scores([sj, sb], [1, 0.5], [lj, lb], names=dumps)
    np.testing.assert_allclose(fused, J + 0.5 * B, atol=1e-6)
    assert fusion_metrics(sj, lj)['acc/top1'] == 0.5
    assert fusion_metrics(sb, lb)['acc/top1'] == 0.5
    assert fusion_metrics(fused, lj) == pytest.approx(
        {'acc/top1': 1.0, 'acc/top5': 1.0, 'acc/mean1': 1.0})
    equal = fusion_metrics(fuse_scores([sj, sb]), lj)
    assert equal == pytest.approx(
        {'acc/top1': 0.75, 'acc/top5': 1.0, 'acc/mean1': 2 / 3})
    assert fusion_metrics(sj, lj)['acc/mean1'] == pytest.approx(0.5)


def test_zero_shot_metrics_by_hand():
    seen = np.array([True, False, False])
    assert fusion_metrics(J, LABELS, seen) == pytest.approx({
        'acc/top1': 0.5, 'acc/top5': 1.0, 'acc/mean1': 0.5,
        'zsl/top1': 2 / 3, 'gzsl/seen': 1.0, 'gzsl/unseen': 0.25,
        'gzsl/hmean': 0.4})
    fused = fuse_scores([J, B], [1, 0.5])
    metrics = fusion_metrics(fused, LABELS, seen)
    assert metrics['zsl/top1'] == 1.0
    assert (metrics['gzsl/seen'], metrics['gzsl/unseen'],
            metrics['gzsl/hmean']) == (1.0, 1.0, 1.0)


def test_labels_that_disagree_name_the_file(tmp_path, dumps):
    other = write_dump(tmp_path / 'shuffled.pkl', B, [0, 2, 1, 2])
    loaded = [load_dumped_scores(p) for p in (dumps[0], other)]
    with pytest.raises(DataError, match=r'shuffled\.pkl.*samples \[1, 2\]'):
        fuse_scores([s for s, _ in loaded], None, [l for _, l in loaded],
                    names=[dumps[0], other])


def test_shapes_that_disagree_name_the_file(tmp_path, dumps):
    four = write_dump(tmp_path / 'four_classes.pkl',
                      np.pad(B, ((0, 0), (0, 1))))
    fewer = write_dump(tmp_path / 'fewer.pkl', B[:3], LABELS[:3])
    sj, lj = load_dumped_scores(dumps[0])
    for path in (four, fewer):
        s, l = load_dumped_scores(path)
        with pytest.raises(DataError, match=os.path.basename(path)):
            fuse_scores([sj, s], labels_list=[lj, l], names=[dumps[0], path])


def test_bad_arguments_and_files(tmp_path):
    with pytest.raises(ValueError, match='weights'):
        fuse_scores([J, B], [1.0])
    with pytest.raises(ValueError):
        fuse_scores([])
    with pytest.raises(DataError, match='does not exist'):
        load_dumped_scores(str(tmp_path / 'missing.pkl'))
    bad = tmp_path / 'not_a_dump.pkl'
    bad.write_bytes(pickle.dumps([dict(pred_score=torch.zeros(3)), 1]))
    with pytest.raises(DataError, match=r'not_a_dump\.pkl: sample 0'):
        load_dumped_scores(str(bad))
    ragged = tmp_path / 'ragged.pkl'
    ragged.write_bytes(pickle.dumps(samples(J[:1]) + samples(
        np.zeros((1, 4)), [0])))
    with pytest.raises(DataError, match=r'ragged\.pkl: sample 1'):
        load_dumped_scores(str(ragged))
    corrupt = tmp_path / 'corrupt.pkl'
    corrupt.write_bytes(pickle.dumps(samples(J))[:20])
    with pytest.raises(DataError, match='corrupt'):
        load_dumped_scores(str(corrupt))


def tool_main():
    return runpy.run_path(str(TOOL), run_name='fuse_scores_tool')['main']


def test_tool_reports_errors_without_a_traceback(tmp_path, dumps, capsys):
    other = write_dump(tmp_path / 'other_order.pkl', B, [2, 1, 0, 2])
    assert tool_main()([dumps[0], other]) == 1
    assert 'other_order.pkl' in capsys.readouterr().err
    labels = tmp_path / 'labels.txt'
    labels.write_text('a\nb\n')
    unseen = tmp_path / 'unseen.txt'
    unseen.write_text('b\n')
    assert tool_main()([*dumps, '--labels', str(labels),
                        '--unseen', str(unseen)]) == 1
    assert '2 classes' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool_main()([*dumps, '--unseen', str(unseen)])
    with pytest.raises(SystemExit):
        tool_main()([*dumps, '--weights', '1'])


def test_tool_prints_and_writes_stream_and_fusion_accuracies(tmp_path, dumps):
    labels = tmp_path / 'labels.txt'
    labels.write_text('\n'.join(CLASSES) + '\n')
    unseen = tmp_path / 'unseen.txt'
    unseen.write_text('b\nc\n')
    out = tmp_path / 'fusion.json'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1',
               MKL_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run(
        [sys.executable, str(TOOL), *dumps, '--weights', '1', '0.5',
         '--labels', str(labels), '--unseen', str(unseen), '--out', str(out)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert '4 samples, 3 classes (2 unseen)' in proc.stdout
    fusion_line = [l for l in proc.stdout.splitlines()
                   if l.startswith('fusion')]
    assert len(fusion_line) == 1 and '1.0000' in fusion_line[0]
    result = json.loads(out.read_text())
    assert result['weights'] == [1.0, 0.5]
    assert result['fusion'] == pytest.approx({
        'acc/top1': 1.0, 'acc/top5': 1.0, 'acc/mean1': 1.0, 'zsl/top1': 1.0,
        'gzsl/seen': 1.0, 'gzsl/unseen': 1.0, 'gzsl/hmean': 1.0})
    j, b = result['streams']
    assert j['dump'] == dumps[0] and j['weight'] == 1.0
    assert (j['acc/top1'], j['zsl/top1'], j['gzsl/hmean']) == \
        pytest.approx((0.5, 2 / 3, 0.4))
    assert b['acc/top1'] == 0.5
