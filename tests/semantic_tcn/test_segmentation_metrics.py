"""F1@k, edit score and frame accuracy on hand-made segmentations."""
import pytest

from vlalign.evaluation.metrics.segmentation_metric import SegmentationMetric
from vlalign.evaluation.segmentation import (edit_score, f_score_counts,
                                             get_segments, levenshtein,
                                             segmentation_scores)

GT = list('AAAABBBB')


def test_segments_and_levenshtein() -> None:
    assert get_segments(list('AABBBC')) == (['A', 'B', 'C'], [0, 2, 5],
                                            [2, 5, 6])
    assert get_segments(list('xAAxxB'), bg_class=['x']) == (['A', 'B'],
                                                           [1, 5], [3, 6])
    assert get_segments(list('xxx'), bg_class=['x']) == ([], [], [])
    assert levenshtein('kitten', 'sitting') == 3
    assert levenshtein('', 'abc') == 3


def test_shifted_boundary() -> None:
    pred = list('AAABBBBB')  # IoU(A) = 3/4, IoU(B) = 4/5
    out = segmentation_scores([pred], [GT], overlaps=(0.1, 0.25, 0.5, 0.78))
    assert out['acc'] == pytest.approx(87.5)
    assert out['edit'] == pytest.approx(100.0)
    for k in ('F1@10', 'F1@25', 'F1@50'):
        assert out[k] == pytest.approx(100.0)
    # at IoU 0.78 only B matches: tp 1, fp 1, fn 1 -> F1 = 0.5
    assert out['F1@78'] == pytest.approx(50.0)
    assert f_score_counts(pred, GT, 0.78) == (1, 1, 1)


def test_over_segmentation() -> None:
    pred = list('AABAABBB')  # segments A B A B vs A B
    assert edit_score(pred, GT) == pytest.approx(50.0)  # 2 edits / 4
    # A[0,2) IoU .5 -> tp; B[2,3) IoU<0 -> fp; A[3,5) hits taken -> fp;
    # B[5,8) IoU .75 -> tp: P = 2/4, R = 2/2, F1 = 2/3
    assert f_score_counts(pred, GT, 0.5) == (2, 2, 0)
    out = segmentation_scores([pred], [GT])
    assert out['acc'] == pytest.approx(75.0)
    for k in ('F1@10', 'F1@25', 'F1@50'):
        assert out[k] == pytest.approx(200 / 3)


def test_background_and_totals_over_videos() -> None:
    gt2, pred2 = list('xAAxBB'), list('xAAABB')
    out = segmentation_scores([pred2, list('AAAABBBB')], [gt2, GT],
                              bg_class=['x'])
    # correct frames: 5/6 + 8/8 over 14 frames; all 4 segments matched
    assert out['acc'] == pytest.approx(100 * 13 / 14)
    assert out['edit'] == pytest.approx(100.0)
    assert out['F1@50'] == pytest.approx(100.0)
    # a prediction that is all background: every gt segment is missed
    out = segmentation_scores([list('xxxxxx')], [gt2], bg_class=['x'])
    assert out['F1@10'] == 0.0 and out['edit'] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        segmentation_scores([list('AB')], [list('ABC')])


def test_segmentation_metric_wrapper() -> None:
    metric = SegmentationMetric(bg_classes=['bg'])
    metric.dataset_meta = dict(classes=('bg', 'A', 'B'))
    # indices: bg=0, A=1, B=2 -> the background test above
    metric.process({}, [dict(pred_labels=[0, 1, 1, 1, 2, 2],
                             gt_labels=[0, 1, 1, 0, 2, 2])])
    out = metric.compute_metrics(metric.results)
    assert out['acc'] == pytest.approx(100 * 5 / 6)
    assert out['F1@50'] == pytest.approx(100.0)
