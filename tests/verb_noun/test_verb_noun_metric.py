"""Verb/noun/action accuracies and the train-validation gap hook."""
from types import SimpleNamespace
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch

from vlalign.engine.hooks.train_val_gap_hook import TrainValGapHook
from vlalign.evaluation import VerbNounMetric
from vlalign.evaluation.metrics.verb_noun_metric import action_topk_hits


def _sample(verb_score, noun_score, verb, noun):
    return dict(pred_verb_score=torch.tensor(verb_score, dtype=torch.float),
                pred_noun_score=torch.tensor(noun_score, dtype=torch.float),
                gt_verb=torch.tensor([verb]), gt_noun=torch.tensor([noun]))


def _evaluate(samples, topk=(1, 5)):
    metric = VerbNounMetric(topk=topk)
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_action_hit_only_when_verb_and_noun_both_right() -> None:
    v = [0.7, 0.2, 0.1]   # argmax verb 0
    n = [0.1, 0.6, 0.3]   # argmax noun 1
    res = _evaluate([
        _sample(v, n, 0, 1),  # both right -> action hit
        _sample(v, n, 0, 2),  # verb right, noun wrong
        _sample(v, n, 2, 1),  # noun right, verb wrong
        _sample(v, n, 1, 0),  # both wrong
    ], topk=(1, ))
    assert res == dict(action_top1=0.25, verb_top1=0.5, noun_top1=0.5)


def test_action_top5_is_epic_joint_ranking_by_hand() -> None:
    # joint scores p(v) * p(n): v = [.5, .3, .2], n = [.6, .4]
    # pairs ranked: (0,0) .30, (1,0) .18, (0,1) .20 -> order .30, .20, .18,
    # (2,0) .12, (1,1) .12, (2,1) .08
    v, n = [0.5, 0.3, 0.2], [0.6, 0.4]
    vs, ns = np.array([v]), np.array([n])
    ranked = [(0, 0), (0, 1), (1, 0)]
    for k, pair in enumerate(ranked, start=1):
        for k2 in range(1, 4):
            hit = action_topk_hits(vs, ns, np.array([pair[0]]),
                                   np.array([pair[1]]), k2)[0]
            assert hit == (k2 >= k), (pair, k2)
    # (2, 1) is the worst pair: only in the top 6
    assert not action_topk_hits(vs, ns, np.array([2]), np.array([1]), 5)[0]
    assert action_topk_hits(vs, ns, np.array([2]), np.array([1]), 6)[0]
    # a pair with the top-1 verb and the top-2 noun can still miss the
    # top-k when other pairs outrank it: here verb top-5 and noun top-5 are
    # both hits but the action top-2 is not
    res = _evaluate([_sample(v, n, 1, 1)], topk=(2, 5))
    assert res['verb_top2'] == 1 and res['noun_top2'] == 1
    assert res['action_top2'] == 0 and res['action_top5'] == 1


def test_action_topk_equals_brute_force_outer_product() -> None:
    rng = np.random.default_rng(0)
    verb = rng.dirichlet(np.ones(9), size=50)
    noun = rng.dirichlet(np.ones(13), size=50)
    vl, nl = rng.integers(0, 9, 50), rng.integers(0, 13, 50)
    for k in (1, 3, 5, 20):
        fast = action_topk_hits(verb, noun, vl, nl, k)
        joint = verb[:, :, None] * noun[:, None, :]
        flat = joint.reshape(50, -1)
        top = np.argsort(-flat, axis=1)[:, :k]
        brute = (top == (vl * 13 + nl)[:, None]).any(1)
        np.testing.assert_array_equal(fast, brute)


def test_unlabelled_segments_are_skipped() -> None:
    res = _evaluate([_sample([1, 0], [0, 1], 0, 1),
                     _sample([1, 0], [0, 1], -1, -1)], topk=(1, ))
    assert res['action_top1'] == 1.0
    assert _evaluate([_sample([1, 0], [0, 1], -1, -1)]) == {}


def test_gap_hook_weights_batches_and_reports_val_minus_train() -> None:
    hook = TrainValGapHook(keys=('verb_top1', 'action_top1'))
    runner = SimpleNamespace(logger=MagicMock(), message_hub=MagicMock())
    hook.before_train_epoch(runner)
    # batches of 4 and 2 samples
    hook.after_train_iter(runner, 0, dict(data_samples=[0] * 4),
                          dict(loss=1., verb_top1=1.0, action_top1=0.5))
    hook.after_train_iter(runner, 1, dict(data_samples=[0] * 2),
                          dict(loss=1., verb_top1=0.25, action_top1=0.0))
    hook.after_train_epoch(runner)
    assert hook.train_acc == pytest.approx(dict(verb_top1=4.5 / 6,
                                                action_top1=2 / 6))
    metrics = {'verb_noun/verb_top1': 0.5, 'verb_noun/action_top1': 0.5}
    hook.after_val_epoch(runner, metrics)
    assert metrics['train/verb_top1'] == pytest.approx(0.75)
    assert metrics['gap/verb_top1'] == pytest.approx(0.5 - 0.75)
    assert metrics['gap/action_top1'] == pytest.approx(0.5 - 1 / 3)
    runner.message_hub.update_scalar.assert_any_call(
        'val/gap/verb_top1', pytest.approx(-0.25))
