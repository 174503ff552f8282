"""ZeroShotMetric and the functions under it, on a case worked out by hand.

Classes a, b (seen), c, d (unseen); scores over [a, b, c, d]:

    sample label  scores                 argmax  argmax over {c, d}
    s0     a      [0.6, 0.1, 0.2, 0.1]   a ok    -
    s1     b      [0.5, 0.3, 0.1, 0.1]   a       -
    s2     c      [0.5, 0.1, 0.3, 0.1]   a       c ok
    s3     d      [0.2, 0.1, 0.3, 0.4]   d ok    d ok

ZSL (s2, s3 among {c, d}): top1 = 2/2 = 1; top5 = 1 (only 2 classes).
GZSL: per class a=1, b=0, c=0, d=1 -> seen (1+0)/2 = 0.5,
      unseen (0+1)/2 = 0.5, H = 0.5; mean_class_acc = 2/4 = 0.5.
Calibrated, gamma = 0.3 (a, b scores - 0.3):
    s0 [0.3, -0.2, 0.2, 0.1] -> a ok;  s1 [0.2, 0.0, 0.1, 0.1] -> a
    s2 [0.2, -0.2, 0.3, 0.1] -> c ok;  s3 -> d ok
    seen 0.5, unseen 1.0, H = 2 * 0.5 * 1 / 1.5 = 2/3.
"""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from vlalign.evaluation import ZeroShotMetric
from vlalign.evaluation.functional import (gzsl_accuracy, harmonic_mean,
                                           mean_class_accuracy,
                                           per_class_accuracy,
                                           restrict_to_classes, topk_accuracy)
from vlalign.registry import METRICS
from vlalign.utils.errors import ConfigError, DataError

CLASSES = ('a', 'b', 'c', 'd')
SCORES = torch.tensor([[0.6, 0.1, 0.2, 0.1],
                       [0.5, 0.3, 0.1, 0.1],
                       [0.5, 0.1, 0.3, 0.1],
                       [0.2, 0.1, 0.3, 0.4]])
LABELS = torch.tensor([0, 1, 2, 3])
SEEN = np.array([True, True, False, False])


def samples(scores=SCORES, labels=LABELS):
    out = []
    for score, label in zip(scores, labels):
        ds = ActionDataSample().set_gt_label(int(label))
        ds.set_pred_score(score)
        out.append(ds.to_dict())
    return out


def run_metric(metric, scores=SCORES, labels=LABELS, classes=CLASSES):
    metric.dataset_meta = dict(classes=classes)
    metric.process(None, samples(scores, labels))
    return metric.evaluate(len(labels))


def test_functional_hand_values():
    # Top-2 over all classes: b, c and d are each second or first.
    assert topk_accuracy(SCORES, LABELS, (1, 2)) == [0.5, 1.0]
    assert topk_accuracy(SCORES, LABELS, (1, 5), classes=~SEEN) == [1.0, 1.0]
    sub_scores, sub_labels = restrict_to_classes(SCORES, LABELS, [2, 3])
    assert sub_scores.shape == (2, 2) and sub_labels.tolist() == [0, 1]
    preds = SCORES.argmax(1)
    np.testing.assert_array_equal(per_class_accuracy(preds, LABELS, 5),
                                  [1, 0, 0, 1, np.nan])
    assert mean_class_accuracy(preds, LABELS, 5) == 0.5  # class 4 absent
    assert gzsl_accuracy(SCORES, LABELS, SEEN) == (0.5, 0.5, 0.5)
    assert harmonic_mean(0.5, 1.0) == pytest.approx(2 / 3)
    assert harmonic_mean(0.0, 0.0) == 0.0
    assert np.isnan(harmonic_mean(float('nan'), 1.0))
    assert np.isnan(topk_accuracy(SCORES[:2], LABELS[:2], 1,
                                  classes=~SEEN)[0])
    # Ties go to the lower class index, as argmax: top-1 agrees with argmax.
    tie = np.array([[0.5, 0.5]])
    assert topk_accuracy(tie, [0]) == [1.0] and topk_accuracy(tie, [1]) == [0.0]


def test_metric_hand_values():
    res = run_metric(ZeroShotMetric(unseen_classes=['c', 'd'],
                                    calibration_gamma=0.3))
    expected = {'zsl/top1': 1.0, 'zsl/top5': 1.0, 'zsl/mean_class_acc': 1.0,
                'gzsl/seen': 0.5, 'gzsl/unseen': 0.5, 'gzsl/hmean': 0.5,
                'mean_class_acc': 0.5, 'gzsl_cs/seen': 0.5,
                'gzsl_cs/unseen': 1.0, 'gzsl_cs/hmean': 2 / 3}
    assert res.keys() == expected.keys()
    for key, value in expected.items():
        assert res[key] == pytest.approx(value), key


def test_select_gamma_on_a_calibration_set():
    # Gaps (best seen - best unseen score) are .4, .4, .2, -.2: any gamma in
    # (.2, .4) moves only sample 2 (class c) to the unseen side, where it is
    # right; seen stays 1/2 (a right, b wrong), unseen becomes 1: H = 2/3.
    res = run_metric(ZeroShotMetric(unseen_classes=['c', 'd'],
                                    select_gamma=True))
    assert 0.2 < res['calibration/gamma'] < 0.4
    assert res['calibration/hmean'] == pytest.approx(2 / 3)
    assert 'calibration/gamma' not in run_metric(ZeroShotMetric(['c', 'd']))


def test_gamma_zero_equals_uncalibrated():
    res = run_metric(ZeroShotMetric(seen_classes=['a', 'b'],
                                    calibration_gamma=0.0))
    for part in ('seen', 'unseen', 'hmean'):
        assert res[f'gzsl_cs/{part}'] == res[f'gzsl/{part}']
    assert 'gzsl_cs/hmean' not in run_metric(ZeroShotMetric(['c', 'd']))


def test_class_files_and_prefix(tmp_path):
    unseen = tmp_path / 'unseen.txt'
    unseen.write_text('# held out\nd\nc\n')
    res = run_metric(ZeroShotMetric(unseen_classes=str(unseen),
                                    prefix='ntu'))
    assert res['ntu/gzsl/hmean'] == 0.5 and res['ntu/zsl/top1'] == 1.0
    # Names are resolved against the dataset at evaluation time.
    bad = tmp_path / 'bad.txt'
    bad.write_text('c\nfly\n')
    with pytest.raises(DataError, match=r"bad\.txt: unseen class names "
                       r"\['fly'\] are not among the dataset's classes"):
        run_metric(ZeroShotMetric(unseen_classes=str(bad)))


def test_classes_in_neither_list_are_left_out():
    # e is neither seen nor unseen: its column and its sample drop out of
    # ZSL/GZSL, but count in mean_class_acc.
    scores = torch.cat([torch.cat([SCORES, torch.zeros(4, 1)], 1),
                        torch.tensor([[0.0, 0.0, 0.0, 0.0, 0.9]])])
    labels = torch.tensor([0, 1, 2, 3, 4])
    res = run_metric(ZeroShotMetric(unseen_classes=['c', 'd'],
                                    seen_classes=['a', 'b']),
                     scores, labels, CLASSES + ('e', ))
    assert res['gzsl/hmean'] == 0.5 and res['zsl/top1'] == 1.0
    assert res['mean_class_acc'] == pytest.approx(3 / 5)


def test_metric_errors():
    with pytest.raises(ConfigError, match='needs unseen_classes or'):
        ZeroShotMetric()
    with pytest.raises(ConfigError, match='both in seen_classes'):
        ZeroShotMetric(unseen_classes=['a'], seen_classes=['a', 'b'])
    metric = ZeroShotMetric(unseen_classes=['c'])
    metric.process(None, samples())
    with pytest.raises(ConfigError, match=r"dataset_meta\['classes'\]"):
        metric.compute_metrics(metric.results)
    with pytest.raises(ConfigError, match='pred_score has 4 classes'):
        run_metric(ZeroShotMetric(unseen_classes=['c']),
                   classes=('a', 'b', 'c'))


def test_nan_without_unseen_samples():
    res = run_metric(ZeroShotMetric(unseen_classes=['c', 'd']),
                     SCORES[:2], LABELS[:2])
    assert np.isnan(res['zsl/top1']) and np.isnan(res['gzsl/hmean'])
    assert res['gzsl/seen'] == 0.5


def test_in_mmengine_evaluator():
    evaluator = Evaluator([dict(type='ZeroShotMetric',
                                unseen_classes=['c', 'd'],
                                calibration_gamma=0.3),
                           dict(type='AccMetric')])
    evaluator.dataset_meta = dict(classes=CLASSES)
    for i in (0, 2):  # two batches
        batch = [ActionDataSample().set_gt_label(int(label)).set_pred_score(s)
                 for s, label in zip(SCORES[i:i + 2], LABELS[i:i + 2])]
        evaluator.process(data_samples=batch, data_batch=None)
    res = evaluator.evaluate(4)
    assert res['zsl/top1'] == 1.0
    assert res['gzsl_cs/hmean'] == pytest.approx(2 / 3)
    assert res['acc/top1'] == 0.5  # mmaction2's metric alongside
    assert type(METRICS.build(dict(type='ZeroShotMetric',
                                   unseen_classes=['c']))) is ZeroShotMetric
