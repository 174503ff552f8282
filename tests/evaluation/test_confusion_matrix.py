import os

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from vlalign.evaluation import ConfusionMatrixMetric
from vlalign.evaluation.functional import confusion_matrix
from vlalign.utils.errors import ConfigError
from vlalign.visualization.confusion_matrix import plot_confusion_matrix

# preds / labels: class 0 right twice, class 1 once right once as 0,
# class 2 always taken for 1.
PREDS = [0, 0, 1, 0, 1]
LABELS = [0, 0, 1, 1, 2]


def test_confusion_matrix_counts_and_normalised():
    cm = confusion_matrix(PREDS, LABELS, 4)
    np.testing.assert_array_equal(cm, [[2, 0, 0, 0],
                                       [1, 1, 0, 0],
                                       [0, 1, 0, 0],
                                       [0, 0, 0, 0]])
    rows = confusion_matrix(torch.tensor(PREDS), np.array(LABELS), 4, 'true')
    np.testing.assert_allclose(np.diag(rows), [1, 0.5, 0, 0])
    np.testing.assert_allclose(rows[3], 0)  # no sample: a zero row, not nan
    assert confusion_matrix(PREDS, LABELS, 4, 'all').sum() == pytest.approx(1)
    np.testing.assert_allclose(confusion_matrix(PREDS, LABELS, 4, 'pred')[:, 0],
                               [2 / 3, 1 / 3, 0, 0])
    with pytest.raises(ValueError, match='normalize'):
        confusion_matrix(PREDS, LABELS, 4, 'rows')
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 2\)'):
        confusion_matrix([0], [3], 2)


def test_plot_writes_png_atomically(tmp_path):
    out = tmp_path / 'plots' / 'cm.png'
    fig = plot_confusion_matrix(confusion_matrix(PREDS, LABELS, 3, 'true'),
                                ['jump', 'sit', 'wave'], out_file=str(out))
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert os.listdir(out.parent) == ['cm.png']  # no temporary file left
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ['jump', 'sit',
                                                            'wave']
    with pytest.raises(ValueError, match='2 class names for a 3-class'):
        plot_confusion_matrix(np.eye(3), ['a', 'b'])


def _samples():
    out = []
    for pred, label in zip(PREDS, LABELS):
        score = torch.full((3, ), 0.1)
        score[pred] = 0.8
        out.append(ActionDataSample().set_gt_label(label)
                   .set_pred_score(score).to_dict())
    return out


def test_metric_mean_diag_and_png(tmp_path):
    out = tmp_path / 'cm.png'
    metric = ConfusionMatrixMetric(out_file=str(out))
    metric.dataset_meta = dict(classes=('jump', 'sit', 'wave'))
    metric.process(None, _samples())
    res = metric.evaluate(5)
    # Mean per-class accuracy: (1 + 0.5 + 0) / 3.
    assert res == {'confusion/mean_diag': pytest.approx(0.5)}
    assert out.read_bytes()[:4] == b'\x89PNG'
    np.testing.assert_allclose(np.diag(metric.confusion_matrix), [1, 0.5, 0])

    counts = ConfusionMatrixMetric(normalize=False)
    counts.process(None, _samples())
    assert counts.evaluate(5)['confusion/mean_diag'] == pytest.approx(0.5)
    assert counts.confusion_matrix[1].tolist() == [1, 1, 0]

    wrong = ConfusionMatrixMetric()
    wrong.dataset_meta = dict(classes=('a', 'b'))
    wrong.process(None, _samples())
    with pytest.raises(ConfigError, match='pred_score has 3 classes'):
        wrong.evaluate(5)
