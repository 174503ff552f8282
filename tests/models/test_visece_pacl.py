"""VisecePACL: the four PACL poolings, chunked scoring, embedder, recognizer."""
from unittest.mock import MagicMock

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from vlalign.models.heads.pacl_embedder import PACLEmbedder
from vlalign.models.layers.pacl_pooling import (pacl_class_scores,
                                                pacl_frame_weights,
                                                pacl_pool_train,
                                                pacl_pool_train_mod,
                                                pacl_pool_val,
                                                pacl_pool_val_mod)
from vlalign.models.recognizers.visece_pacl import VisecePACL  # noqa: F401
from vlalign.registry import MODELS
from vlalign.testing import TINY_BERT, demo_data_samples, demo_inputs

CLASSES = ['raise the left arm', 'wave the right hand', 'kick with the left leg',
           'nod the head']
WIDTH = TINY_BERT['hidden_size']


# ------------------------------------------------------------ references
def ref_weights(sim, weight):
    return sim.softmax(-1) if weight == 'softmax' else torch.sigmoid(10 * sim)


def ref_pool_one(frames, text, mod, weight, normalize):
    """One clip ``[T, C]`` pooled with one text ``[C]``, frame by frame."""
    et = text / text.norm()
    ev = [f / f.norm() for f in frames]
    sim = torch.stack([torch.dot(e, et) for e in ev])
    w = ref_weights(sim, weight)
    src = frames if mod else ev
    pooled = sum(w[t] * src[t] for t in range(len(src)))
    return pooled / pooled.norm() if normalize else pooled


def ref_train(frames, text, mod, weight, normalize):
    return torch.stack([ref_pool_one(frames[b], text[b], mod, weight, normalize)
                        for b in range(frames.shape[0])])


def ref_val(frames, texts, mod, weight, normalize):
    return torch.stack([
        torch.stack([ref_pool_one(frames[b], texts[l], mod, weight, normalize)
                     for l in range(texts.shape[0])])
        for b in range(frames.shape[0])])


def seed_val(frames, texts, mod, weight):
    """The seed's einsums, verbatim."""
    ev, et = F.normalize(frames, dim=-1), F.normalize(texts, dim=-1)
    s = torch.einsum('btc,lc->blt', ev, et)
    w = s.softmax(-1) if weight == 'softmax' else torch.sigmoid(10 * s)
    return F.normalize(torch.einsum('blt,btc->blc', w, frames if mod else ev),
                       dim=-1)


@pytest.mark.parametrize('weight', ['softmax', 'sigmoid'])
@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('fn,mod', [(pacl_pool_train, False),
                                    (pacl_pool_train_mod, True)])
def test_train_pooling_matches_reference(fn, mod, weight, normalize):
    torch.manual_seed(0)
    frames, text = 3 * torch.randn(4, 6, 5), torch.randn(4, 5)
    out = fn(frames, text, weight=weight, normalize=normalize)
    assert out.shape == (4, 5)
    assert torch.allclose(out, ref_train(frames, text, mod, weight, normalize),
                          atol=1e-5)


@pytest.mark.parametrize('weight', ['softmax', 'sigmoid'])
@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('fn,mod', [(pacl_pool_val, False),
                                    (pacl_pool_val_mod, True)])
def test_val_pooling_matches_reference(fn, mod, weight, normalize):
    torch.manual_seed(0)
    frames, texts = 3 * torch.randn(3, 6, 5), torch.randn(7, 5)
    out = fn(frames, texts, weight=weight, normalize=normalize)
    assert out.shape == (3, 7, 5)
    assert torch.allclose(out, ref_val(frames, texts, mod, weight, normalize),
                          atol=1e-5)
    if normalize:
        assert torch.allclose(out, seed_val(frames, texts, mod, weight),
                              atol=1e-6)


def test_mod_differs_and_train_is_val_diagonal():
    torch.manual_seed(0)
    frames, texts = 3 * torch.randn(4, 6, 5), torch.randn(4, 5)
    val = pacl_pool_val_mod(frames, texts)
    assert torch.allclose(pacl_pool_train_mod(frames, texts),
                          val[torch.arange(4), torch.arange(4)], atol=1e-6)
    assert not torch.allclose(pacl_pool_val(frames, texts), val, atol=1e-3)
    sim = torch.randn(2, 3, 6)
    assert torch.allclose(pacl_frame_weights(sim, 'softmax').sum(-1),
                          torch.ones(2, 3))
    with pytest.raises(ValueError, match='weight must be'):
        pacl_frame_weights(sim, 'mean')
    with pytest.raises(ValueError, match='expected frames'):
        pacl_pool_val(frames, torch.randn(3, 4))


@pytest.mark.parametrize('weight', ['softmax', 'sigmoid'])
@pytest.mark.parametrize('normalize', [True, False])
@pytest.mark.parametrize('mod', [True, False])
def test_class_scores_equal_pooled_dot_text(mod, weight, normalize):
    """The Gram-matrix scores equal pooling then a dot product, and so do
    their gradients (the all_classes loss trains through them)."""
    torch.manual_seed(0)
    frames = (3 * torch.randn(3, 6, 5, dtype=torch.float64)).requires_grad_()
    texts = torch.randn(7, 5, dtype=torch.float64, requires_grad=True)
    pool = pacl_pool_val_mod if mod else pacl_pool_val
    pooled = pool(frames, texts, weight=weight, normalize=normalize)
    expected = torch.einsum('blc,lc->bl', pooled, F.normalize(texts, dim=-1))
    scores = pacl_class_scores(frames, texts, mod, weight, normalize,
                               chunk_size=3)
    assert torch.allclose(scores, expected, atol=1e-10)
    probe = torch.randn(3, 7, dtype=torch.float64)
    grads = torch.autograd.grad((scores * probe).sum(), (frames, texts))
    expected_grads = torch.autograd.grad((expected * probe).sum(),
                                         (frames, texts))
    for g, e in zip(grads, expected_grads):
        assert torch.allclose(g, e, atol=1e-10)


@pytest.mark.parametrize('mod', [True, False])
def test_chunked_scores_equal_unchunked(mod):
    torch.manual_seed(0)
    frames, texts = torch.randn(4, 9, 16), torch.randn(37, 16)
    full = pacl_class_scores(frames, texts, mod, chunk_size=1000)
    assert full.shape == (4, 37)
    assert torch.allclose(pacl_class_scores(frames, texts, mod, chunk_size=5),
                          full, atol=1e-6)
    assert torch.allclose(pacl_class_scores(frames, texts, mod), full, atol=1e-6)
    with pytest.raises(ValueError, match='chunk_size'):
        pacl_class_scores(frames, texts, chunk_size=0)


class MaxNumel(TorchDispatchMode):
    """Records the largest tensor any op produces."""

    def __init__(self):
        super().__init__()
        self.max_numel = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in (out if isinstance(out, (tuple, list)) else (out, )):
            if isinstance(t, torch.Tensor):
                self.max_numel = max(self.max_numel, t.numel())
        return out


def test_chunking_bounds_the_largest_intermediate():
    N, T, C, L, chunk = 4, 8, 16, 200, 8
    frames, texts = torch.randn(N, T, C), torch.randn(L, C)
    with MaxNumel() as full:
        pacl_class_scores(frames, texts)
    with MaxNumel() as chunked:
        pacl_class_scores(frames, texts, chunk_size=chunk)
    # Never [N, L, C] (nor [N, L, T, C]); with chunks at most the inputs,
    # the [N, chunk, T] weights and the [N, L] result.
    assert full.max_numel == N * L * T < N * L * C
    assert chunked.max_numel == max(N * T * C, L * C, N * chunk * T, N * L)
    with MaxNumel() as pooled:
        pacl_pool_val(frames, texts)
    assert pooled.max_numel == N * L * C


# --------------------------------------------------------------- embedder
def test_embedder_is_residual():
    torch.manual_seed(0)
    emb = PACLEmbedder(512, 256)
    assert [type(m) for m in emb.main] == [torch.nn.Linear, torch.nn.ReLU,
                                           torch.nn.Linear]
    assert emb.main[0].in_features == 512 and emb.main[2].out_features == 256
    assert (emb.shortcut.in_features, emb.shortcut.out_features) == (512, 256)
    x = torch.randn(2, 5, 512)
    out = emb(x)
    assert out.shape == (2, 5, 256)
    expected = (emb.main[2](emb.main[0](x).relu()) +
                x @ emb.shortcut.weight.t() + emb.shortcut.bias)
    assert torch.allclose(out, expected, atol=1e-5)
    assert PACLEmbedder(8, 4, hidden_channels=16).main[0].out_features == 16


# ------------------------------------------------------------- recognizer
STGCN = dict(type='STGCN', graph_cfg=dict(layout='coco', mode='spatial'),
             base_channels=16, num_stages=2, inflate_stages=[], down_stages=[])
SLOWONLY = dict(type='ResNet3dSlowOnly', depth=50, pretrained=None,
                in_channels=17, base_channels=8, num_stages=3,
                out_indices=(2, ), stage_blocks=(1, 1, 1), conv1_stride_s=1,
                pool1_stride_s=1, inflate=(0, 1, 1), spatial_strides=(2, 2, 2),
                temporal_strides=(1, 1, 2), dilations=(1, 1, 1))


def pacl_cfg(backbone='stgcn', **kwargs):
    if backbone == 'stgcn':
        venc = dict(type='ViseceVideoEncoder', backbone=STGCN, layout='NMCTV',
                    in_channels=16, out_channels=None)
    else:
        venc = dict(type='ViseceVideoEncoder', backbone=SLOWONLY,
                    layout='NCTHW', in_channels=128, out_channels=None)
    cfg = dict(type='VisecePACL', video_encoder=venc,
               video_embedder=dict(type='PACLEmbedder', in_channels=venc['in_channels'],
                             out_channels=WIDTH),
               text_encoder=dict(type='BertTextEncoder', config=TINY_BERT),
               class_texts=CLASSES)
    cfg.update(kwargs)
    return cfg


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(pacl_cfg(**kwargs))


@pytest.mark.parametrize('backbone', ['stgcn', 'slowonly'])
@pytest.mark.parametrize('train_mode,keys', [
    ('pair', {'loss_v2t', 'loss_t2v'}), ('all_classes', {'loss_cls'})])
def test_loss_gradients_train_step_predict(backbone, train_mode, keys):
    model = build(backbone=backbone, train_mode=train_mode,
                  weight='sigmoid' if backbone == 'slowonly' else 'softmax')
    cfg = pacl_cfg(backbone)
    x = demo_inputs(cfg, batch_size=3)
    losses = model(x, demo_data_samples([0, 1, 0]), mode='loss')
    assert {k for k in losses if 'loss' in k} == keys
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name in ('video_embedder.main.0.weight', 'video_embedder.shortcut.weight',
                 'logit_scale.log_scale'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.text_encoder.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.video_encoder.backbone.parameters())

    data = dict(inputs=list(demo_inputs(cfg, batch_size=2)),
                data_samples=demo_data_samples([1, 3]))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert 'loss' in log_vars and keys <= set(log_vars)
    optim_wrapper.update_params.assert_called_once()

    model.eval()
    with torch.no_grad():
        out = model(x, demo_data_samples([0, 1, 2]), mode='predict')
        feats = model(x, mode='tensor')
    scores = torch.stack([o.pred_score for o in out])
    assert scores.shape == (3, len(CLASSES))
    assert (scores >= 0).all() and (scores <= 1).all()
    assert torch.allclose(scores.sum(-1), torch.ones(3), atol=1e-5)
    assert feats.dim() == 3 and feats.shape[-1] == WIDTH


def test_all_classes_loss_is_cross_entropy_of_prediction_logits():
    model = build(train_mode='all_classes', pooling='val',
                  test_cfg=dict(class_chunk_size=3))
    assert model.test_cfg == dict(average_clips='prob', class_chunk_size=3)
    model.eval()  # no dropout, so both passes see the same features
    x = demo_inputs(pacl_cfg(), batch_size=3)
    labels = torch.tensor([2, 0, 3])
    with torch.no_grad():
        loss = model(x, demo_data_samples(labels.tolist()),
                     mode='loss')['loss_cls']
        logits = model.score_classes(model.extract_feat(x)[0],
                                     model.class_embeddings())
    assert loss.item() == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-5)


def test_predict_chunked_equals_unchunked():
    model = build()
    model.eval()
    x = demo_inputs(pacl_cfg(), batch_size=2, num_clips=2)
    with torch.no_grad():
        feats = model.extract_feat(x)[0]
        model.test_cfg['class_chunk_size'] = 1
        chunked = model.score_classes(feats, model.class_embeddings())
        model.test_cfg['class_chunk_size'] = None
        full = model.score_classes(feats, model.class_embeddings())
    assert chunked.shape == (4, len(CLASSES))
    assert torch.allclose(chunked, full, atol=1e-5)


def test_pair_mode_pools_each_clip_with_its_own_text():
    model = build(pooling='val', weight='sigmoid')
    model.eval()
    x = demo_inputs(pacl_cfg(), batch_size=2)
    with torch.no_grad():
        feats = model.extract_feat(x)[0]
        text = model.label_text_embeddings(torch.tensor([1, 2]))
        video = model.pool_video(feats, text)
        expected = ref_train(feats, text, mod=False, weight='sigmoid',
                             normalize=True)
    assert torch.allclose(video, expected, atol=1e-5)
    with pytest.raises(NotImplementedError, match='pool_video'):
        model.embed_video(feats)


def test_width_options_and_validation():
    # Embedder widths default to the video encoder's and the text width.
    model = build(video_embedder=None)
    assert (model.video_embedder.in_channels,
            model.video_embedder.out_channels) == (16, WIDTH)
    # A text-side projection: both sides meet in 24 dims.
    model = build(video_embedder=None, text_embedder=dict(
        type='Linear', in_features=WIDTH, out_features=24))
    assert model.embed_texts(['jump']).shape == (1, 24)
    assert model.extract_feat(demo_inputs(pacl_cfg()))[0].shape[-1] == 24
    # Without the embedder the video encoder must give the text width.
    cfg = pacl_cfg(use_embedder=False)
    cfg['video_encoder']['out_channels'] = WIDTH
    model = MODELS.build(cfg)
    assert model.video_embedder is None
    with pytest.raises(ValueError, match='same width'):
        build(use_embedder=False)
    with pytest.raises(ValueError, match='same width'):
        build(video_embedder=dict(type='PACLEmbedder', out_channels=16))
    with pytest.raises(ValueError, match='in_channels'):
        build(video_embedder=dict(type='PACLEmbedder', in_channels=8))
    # paclmod5: Visece's linear embedder instead of the residual one
    model = build(video_embedder=dict(type='Linear'))
    assert (model.video_embedder.in_features,
            model.video_embedder.out_features) == (16, WIDTH)
    for bad in (dict(pooling='mean'), dict(weight='max'),
                dict(train_mode='clip')):
        with pytest.raises(ValueError, match=next(iter(bad))):
            build(**bad)
