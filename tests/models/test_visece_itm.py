"""ViseceITM: hard-negative ITM on top of Visece, frozen text, re-ranking."""
import copy
from unittest.mock import MagicMock

import pytest
import torch

from vlalign.models.heads.itm_head import ITMHead
from vlalign.models.losses.itm import ITMLoss, itm_pairs, sample_hard_negatives
from vlalign.models.recognizers.visece_itm import ViseceITM
from vlalign.registry import MODELS
from vlalign.testing import (TINY_BERT, TINY_CLASSES, demo_data_samples,
                             demo_inputs, tiny_recognizer_cfg)

CLASSES = list(TINY_CLASSES)
C = TINY_BERT['hidden_size']


def itm_cfg(**kwargs):
    """ViseceITM on a tiny ST-GCN and TINY_BERT."""
    return tiny_recognizer_cfg('ViseceITM', **dict(dict(itm_head=dict(num_layers=1, num_heads=2)), **kwargs))


def build(**kwargs) -> ViseceITM:
    torch.manual_seed(0)
    model = MODELS.build(itm_cfg(**kwargs))
    model.init_weights()
    return model


# ------------------------------------------------------------ the sampler
@pytest.mark.parametrize('mode', ['sample', 'hardest'])
def test_negatives_are_never_same_class(mode):
    seen_negatives = 0
    for seed in range(200):
        g = torch.Generator().manual_seed(seed)
        num = int(torch.randint(2, 9, (1, ), generator=g))
        labels = torch.randint(0, 3, (num, ), generator=g)  # many repeats
        sim = 20 * torch.randn(num, num, generator=g)
        # Make a same-class pair the most similar: it must still be skipped.
        sim[labels[:, None] == labels[None, :]] += 100
        video_idx, text_idx, targets = itm_pairs(sim, labels, mode, g)
        pos, neg = targets == 1, targets == 0
        assert torch.equal(video_idx[pos], torch.arange(num))
        assert torch.equal(text_idx[pos], torch.arange(num))
        assert (labels[video_idx[neg]] != labels[text_idx[neg]]).all()
        # Every sample with another class in the batch gets both negatives.
        has_other = (labels[:, None] != labels[None, :]).any(1)
        assert int(neg.sum()) == 2 * int(has_other.sum())
        # Negative texts for the videos first, then negative videos.
        others = torch.arange(num)[has_other]
        n = len(others)
        assert torch.equal(video_idx[num:num + n], others)
        assert torch.equal(text_idx[num + n:], others)
        seen_negatives += int(neg.sum())
    assert seen_negatives > 500


def test_hardest_takes_argmax_and_sample_follows_softmax():
    sim = torch.tensor([[0.0, 2.0, 1.0, 3.0]])
    candidates = torch.tensor([[True, True, True, False]])
    idx, valid = sample_hard_negatives(sim, candidates, 'hardest')
    assert idx.tolist() == [1] and valid.tolist() == [True]
    g = torch.Generator().manual_seed(0)
    draws = torch.stack([
        sample_hard_negatives(sim, candidates, 'sample', g)[0]
        for _ in range(3000)]).flatten()
    freq = torch.bincount(draws, minlength=4).float() / draws.numel()
    expected = torch.tensor([0.0, 2.0, 1.0]).softmax(0)
    assert freq[3] == 0
    assert torch.allclose(freq[:3], expected, atol=0.03)


def test_rows_without_candidates_are_invalid():
    # Huge scale: softmax of the raw row would underflow; masked it cannot.
    sim = torch.tensor([[1e4, -1e4, -1e4], [0.0, 0.0, 0.0]])
    candidates = torch.tensor([[False, True, True], [False, False, False]])
    idx, valid = sample_hard_negatives(sim, candidates, 'sample')
    assert valid.tolist() == [True, False]
    assert idx[0].item() in (1, 2) and idx[1].item() == -1
    with pytest.raises(ValueError, match='hard_negative'):
        sample_hard_negatives(sim, candidates, 'random')


def test_all_one_class_batch_gives_only_positives():
    video_idx, text_idx, targets = itm_pairs(torch.randn(4, 4),
                                             torch.tensor([2, 2, 2, 2]))
    assert targets.tolist() == [1, 1, 1, 1]
    assert torch.equal(video_idx, text_idx)


def test_itm_loss_by_hand():
    logits = torch.tensor([[0.0, 2.0], [1.0, 0.0]])
    out = ITMLoss(loss_weight=0.5)(logits, torch.tensor([1, 1]))
    expected = 0.5 * 0.5 * (torch.log1p(torch.exp(torch.tensor(-2.0)))
                            + torch.log1p(torch.exp(torch.tensor(1.0))))
    assert out['loss_itm'].item() == pytest.approx(expected.item(), rel=1e-6)
    assert out['itm_acc'].item() == pytest.approx(0.5)


# ---------------------------------------------------------------- the head
def test_itm_head_shapes_and_padding():
    torch.manual_seed(0)
    head = ITMHead(text_channels=C, video_channels=24, num_layers=2,
                   num_heads=4, max_frames=8).eval()
    text = torch.randn(3, 5, C)
    mask = torch.tensor([[1, 1, 1, 0, 0]] * 3)
    video = torch.randn(3, 6, 24)
    logits = head(text, mask, video)
    assert logits.shape == (3, 2)
    assert head.fuse(text, mask, video).shape == (3, 5, C)
    # Padded tokens do not change the [CLS] output.
    text2 = text.clone()
    text2[:, 3:] = torch.randn(3, 2, C)
    assert torch.allclose(head(text2, mask, video), logits, atol=1e-5)
    prob = head.match_prob(text, mask, video)
    assert prob.shape == (3, ) and ((prob >= 0) & (prob <= 1)).all()
    with pytest.raises(ValueError, match='does not divide'):
        ITMHead(text_channels=C, num_heads=5)


# --------------------------------------------------------------- the model
def test_loss_keys_and_train_step():
    model = build()
    assert isinstance(model.itm_head, ITMHead)
    cfg = itm_cfg()
    losses = model(demo_inputs(cfg, batch_size=4), demo_data_samples([0, 1, 2, 0]),
                   mode='loss')
    assert {'loss_v2t', 'loss_t2v', 'loss_itm'} <= set(losses)
    assert 0 <= losses['itm_acc'] <= 1
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())
    assert losses['loss_itm'].requires_grad

    data = dict(inputs=list(demo_inputs(cfg, batch_size=2)),
                data_samples=demo_data_samples([1, 3]))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert {'loss', 'loss_itm', 'loss_v2t', 'loss_t2v'} <= set(log_vars)
    optim_wrapper.update_params.assert_called_once()


def test_itm_scores_video_and_text_pairs(monkeypatch):
    """The head sees (frame features, class-prompt tokens) per pair."""
    model = build(hard_negative='hardest')
    calls = []
    original = model.itm_head.forward

    def spy(text, mask, video, video_mask=None):
        calls.append((text.shape, mask.shape, video.shape))
        return original(text, mask, video, video_mask)

    monkeypatch.setattr(model.itm_head, 'forward', spy)
    model(demo_inputs(itm_cfg(), batch_size=3), demo_data_samples([0, 1, 1]),
          mode='loss')
    (text_shape, mask_shape, video_shape), = calls
    # 3 positives + 3 negative texts + 3 negative videos.
    assert text_shape[0] == mask_shape[0] == video_shape[0] == 9
    assert text_shape[2] == C and video_shape[1:] == (8, C)


def test_all_one_class_batch_skips_the_itm_loss(monkeypatch):
    """No valid negative (all clips one class): by default the ITM loss is
    skipped as in the original, without error. ``loss_itm`` stays as a zero
    that gives every head parameter a zero gradient (DDP needs each
    parameter used on every rank); the head does not run, ``itm_acc`` is
    not logged, and the contrastive terms train as usual."""
    model = build()
    calls = []
    monkeypatch.setattr(model.itm_head, 'forward',
                        lambda *a, **k: calls.append(a))
    losses = model(demo_inputs(itm_cfg(), batch_size=3),
                   demo_data_samples([2, 2, 2]), mode='loss')
    assert not calls and 'itm_acc' not in losses
    assert losses['loss_itm'].item() == 0.0
    assert losses['loss_itm'].requires_grad
    (losses['loss_itm'] + losses['loss_v2t']).backward()
    grads = [p.grad for p in model.itm_head.parameters()]
    assert all(g is not None and g.abs().sum() == 0 for g in grads)
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.video_encoder.parameters())
    # one train step through mmengine's loss parsing
    data = dict(inputs=list(demo_inputs(itm_cfg(), batch_size=2)),
                data_samples=demo_data_samples([1, 1]))
    log_vars = model.train_step(data, MagicMock())
    assert log_vars['loss_itm'] == 0.0 and torch.isfinite(log_vars['loss'])


def test_all_one_class_batch_positives_rule_trains_on_positives():
    model = build(no_negative='positives')
    losses = model(demo_inputs(itm_cfg(), batch_size=3),
                   demo_data_samples([2, 2, 2]), mode='loss')
    assert torch.isfinite(losses['loss_itm']) and 'itm_acc' in losses
    losses['loss_itm'].backward()
    grads = [p.grad for p in model.itm_head.parameters()]
    assert all(g is not None for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0


def test_mixed_batch_is_not_skipped():
    model = build()
    losses = model(demo_inputs(itm_cfg(), batch_size=3),
                   demo_data_samples([2, 2, 0]), mode='loss')
    assert losses['loss_itm'].item() > 0 and 'itm_acc' in losses


def test_frozen_bert_trains_only_the_fusion_side():
    model = build(frozen_bert=True)
    model.train()
    assert model.text_encoder.frozen and not model.text_encoder.model.training
    assert not any(p.requires_grad for p in model.text_encoder.parameters())
    assert all(p.requires_grad for p in model.itm_head.parameters())
    text_before = copy.deepcopy(model.text_encoder.state_dict())
    head_before = copy.deepcopy(model.itm_head.state_dict())
    optim = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                            lr=0.5)
    losses = model(demo_inputs(itm_cfg(), batch_size=4),
                   demo_data_samples([0, 1, 2, 0]), mode='loss')
    optim.zero_grad()
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    optim.step()
    for k, v in model.text_encoder.state_dict().items():
        assert torch.equal(v, text_before[k]), k
    changed = [not torch.equal(v, head_before[k])
               for k, v in model.itm_head.state_dict().items()]
    assert any(changed)


def test_predict_scores_are_distributions():
    model = build().eval()
    with torch.no_grad():
        out = model(demo_inputs(itm_cfg(), batch_size=3),
                    demo_data_samples([0, 1, 2]), mode='predict')
    scores = torch.stack([o.pred_score for o in out])
    assert scores.shape == (3, len(CLASSES))
    assert ((scores >= 0) & (scores <= 1)).all()
    assert torch.allclose(scores.sum(-1), torch.ones(3), atol=1e-5)


def _logits(model, feats):
    with torch.no_grad():
        return model.score_classes(feats, model.class_embeddings())


@pytest.mark.parametrize('k', [2, 3])
def test_rerank_changes_only_the_top_k_order(k, monkeypatch):
    model = build(test_cfg=dict(itm_rerank_k=k)).eval()
    feats = model.extract_feat(demo_inputs(itm_cfg(), batch_size=5))[0].detach()
    model.test_cfg['itm_rerank_k'] = 0
    base = _logits(model, feats)
    model.test_cfg['itm_rerank_k'] = k
    reranked = _logits(model, feats)

    top_val, top_idx = base.topk(k, dim=-1)
    with torch.no_grad():
        prob = model.itm_match_prob(feats, top_idx)
    assert ((prob >= 0) & (prob <= 1)).all()
    for row in range(base.shape[0]):
        top = set(top_idx[row].tolist())
        rest = [c for c in range(len(CLASSES)) if c not in top]
        assert torch.equal(reranked[row, rest], base[row, rest])
        assert set(reranked[row].topk(k).indices.tolist()) == top
        assert torch.equal(reranked[row].topk(k).values, top_val[row])
        # Inside the top-k, classes are ordered by match probability.
        by_itm = top_idx[row][prob[row].argsort(descending=True, stable=True)]
        assert torch.equal(reranked[row, by_itm], top_val[row])

    # An ITM that prefers the contrastive runner-up flips the top two.
    monkeypatch.setattr(model, 'itm_match_prob', lambda f, idx: torch.linspace(
        0, 1, idx.shape[1]).expand(idx.shape[0], -1))
    flipped = _logits(model, feats)
    assert torch.equal(flipped.argmax(-1), top_idx[:, -1])
    with torch.no_grad():
        out = model(demo_inputs(itm_cfg(), batch_size=2), demo_data_samples([0, 1]),
                    mode='predict')
    scores = torch.stack([o.pred_score for o in out])
    assert torch.allclose(scores.sum(-1), torch.ones(2), atol=1e-5)


def test_class_tokens_cached_per_eval_run():
    model = build(test_cfg=dict(itm_rerank_k=2)).eval()
    calls = []
    original = model.text_tokens
    model.text_tokens = lambda names: calls.append(list(names)) or \
        original(names)
    x = demo_inputs(itm_cfg(), batch_size=2)
    with torch.no_grad():
        for _ in range(2):
            model(x, demo_data_samples([0, 1]), mode='predict')
    assert calls == [CLASSES]
    model.set_class_texts(['jump up', 'squat down', 'sit'])
    with torch.no_grad():
        out = model(x, demo_data_samples([0, 1]), mode='predict')
    assert calls[-1] == ['jump up', 'squat down', 'sit']
    assert out[0].pred_score.shape == (3, )


def test_bad_options_raise():
    with pytest.raises(ValueError, match='hard_negative'):
        MODELS.build(itm_cfg(hard_negative='easy'))
    with pytest.raises(ValueError, match='no_negative'):
        MODELS.build(itm_cfg(no_negative='error'))
    with pytest.raises(ValueError, match='itm_rerank_k'):
        MODELS.build(itm_cfg(test_cfg=dict(itm_rerank_k=-1)))
