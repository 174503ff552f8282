import pytest
import torch
from mmengine.structures import BaseDataElement

from vlalign.evaluation import RetrievalMetric
from vlalign.evaluation.metrics.retrieval_metric import recall_at_k


def test_recall_at_k_hand_computed():
    sim = torch.tensor([[0.9, 0.1, 0.0],    # query 0: rank 0
                        [0.8, 0.5, 0.9],    # query 1: rank 2
                        [0.1, 0.7, 0.6]])   # query 2: rank 1
    assert recall_at_k(sim, (1, 2, 3)) == {1: pytest.approx(1 / 3),
                                           2: pytest.approx(2 / 3), 3: 1.0}
    # ties count against the true match
    assert recall_at_k(torch.ones(3, 3), (1, 3)) == {1: 0.0, 3: 1.0}


def test_metric_both_directions():
    v = torch.eye(3)
    t = torch.tensor([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])
    samples = [BaseDataElement(video_emb=v[i], text_emb=t[i])
               for i in range(3)]
    metric = RetrievalMetric(topk=(1, 2))
    metric.process({}, samples[:2])
    metric.process({}, samples[2:])
    res = metric.compute_metrics(metric.results)
    # sim = v @ t^T: row 0 matches, rows 1/2 rank their match last-but-tied
    assert res['v2t/R@1'] == pytest.approx(1 / 3)
    assert res['t2v/R@1'] == pytest.approx(1 / 3)
    assert res['v2t/R@2'] == pytest.approx(1 / 3)
    assert res['mean_recall'] == pytest.approx(1 / 3)
    metric2 = RetrievalMetric(topk=(1, ))
    metric2.process({}, [BaseDataElement(video_emb=v[i], text_emb=v[i])
                         for i in range(3)])
    assert metric2.compute_metrics(metric2.results)['v2t/R@1'] == 1.0
