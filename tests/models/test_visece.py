"""Visece: the three-mode contract, prediction packing and the text cache."""
from unittest.mock import MagicMock

import pytest
import torch

from vlalign.registry import MODELS
from vlalign.testing import (TINY_BERT, TINY_CLASSES, demo_data_samples,
                             demo_inputs, shrink_model_cfg, tiny_recognizer_cfg)

CLASSES = list(TINY_CLASSES)


def stgcn_visece_cfg(**kwargs):
    return tiny_recognizer_cfg('Visece', **kwargs)


@pytest.fixture
def model():
    torch.manual_seed(0)
    m = MODELS.build(stgcn_visece_cfg())
    m.init_weights()
    return m


def test_loss_predict_tensor_modes(model):
    cfg = stgcn_visece_cfg()
    x = demo_inputs(cfg, batch_size=4)
    samples = demo_data_samples([0, 1, 2, 0])
    losses = model(x, samples, mode='loss')
    assert {'loss_v2t', 'loss_t2v'} <= set(losses)
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())

    model.eval()
    with torch.no_grad():
        out = model(x, demo_data_samples([0, 1, 2, 0]), mode='predict')
    scores = torch.stack([o.pred_score for o in out])
    assert scores.shape == (4, len(CLASSES))
    assert (scores >= 0).all() and (scores <= 1).all()
    assert torch.allclose(scores.sum(-1), torch.ones(4), atol=1e-5)

    feats = model(x, mode='tensor')
    assert feats.shape == (4, 8, TINY_BERT['hidden_size'])
    with pytest.raises(RuntimeError, match='Invalid mode "bad"'):
        model(x, samples, mode='bad')


def test_train_step_with_mock_optim_wrapper(model):
    cfg = stgcn_visece_cfg()
    data = dict(inputs=list(demo_inputs(cfg, batch_size=2)),
                data_samples=demo_data_samples([1, 3]))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert 'loss' in log_vars and 'loss_v2t' in log_vars
    optim_wrapper.update_params.assert_called_once()


def test_multi_clip_scores_are_averaged(model):
    cfg = stgcn_visece_cfg()
    model.eval()
    x = demo_inputs(cfg, batch_size=2, num_clips=3)
    with torch.no_grad():
        out = model(x, demo_data_samples([0, 1]), mode='predict')
        per_clip = model.score_classes(model.extract_feat(x)[0],
                                       model.class_embeddings())
    expected = per_clip.view(2, 3, -1).softmax(-1).mean(1)
    assert torch.allclose(torch.stack([o.pred_score for o in out]), expected,
                          atol=1e-6)


def test_class_texts_encoded_once_per_eval_run(model):
    cfg = stgcn_visece_cfg()
    model.eval()
    calls = []
    original = model.encode_class_texts
    model.encode_class_texts = lambda names: calls.append(list(names)) or \
        original(names)
    with torch.no_grad():
        for _ in range(3):
            model(demo_inputs(cfg), demo_data_samples([0, 1]), mode='predict')
    assert len(calls) == 1 and calls[0] == CLASSES
    # A training step invalidates the cache (the weights change).
    model.train()
    model(demo_inputs(cfg), demo_data_samples([0, 1]), mode='loss')
    model.eval()
    with torch.no_grad():
        model(demo_inputs(cfg), demo_data_samples([0, 1]), mode='predict')
    assert len(calls) == 3  # one for the loss' label texts, one for predict


def test_unseen_class_texts_change_the_label_space(model):
    cfg = stgcn_visece_cfg()
    model.eval()
    model.set_class_texts(['jump up', 'squat down'])
    with torch.no_grad():
        out = model(demo_inputs(cfg), demo_data_samples([0, 1]), mode='predict')
    assert out[0].pred_score.shape == (2, )


def test_prompt_ensemble_is_mean_of_normalised_embeddings():
    torch.manual_seed(0)
    m = MODELS.build(stgcn_visece_cfg(templates=['{}', 'a person is {}']))
    m.eval()
    with torch.no_grad():
        emb = m.encode_class_texts(['nod the head'])
        a = torch.nn.functional.normalize(m.embed_texts(['nod the head']), dim=-1)
        b = torch.nn.functional.normalize(
            m.embed_texts(['a person is nod the head']), dim=-1)
    assert torch.allclose(emb, torch.nn.functional.normalize(a + b, dim=-1),
                          atol=1e-6)
    with pytest.raises(ValueError, match='exactly one'):
        MODELS.build(stgcn_visece_cfg(templates=['no placeholder']))


def test_missing_class_texts_error_is_clear():
    m = MODELS.build(stgcn_visece_cfg(class_texts=None))
    cfg = stgcn_visece_cfg()
    with pytest.raises(RuntimeError, match='no class texts'):
        m(demo_inputs(cfg), demo_data_samples([0, 1]), mode='loss')


def test_slowonly_visece_shapes():
    """The original encoder: SlowOnly [B,512,T,H,W] -> [B,T,512] -> [B,T,768]."""
    from mmengine import Config
    base = Config.fromfile('configs/_base_/models/visece_slowonly_bert.py').model
    venc = MODELS.build(base.video_encoder)
    x = torch.rand(2, 17, 8, 32, 32)
    assert venc.frame_features(x).shape == (2, 4, 512)  # temporal stride 2
    assert venc(x).shape == (2, 4, 768)
    pacl = MODELS.build(dict(base.video_encoder, out_channels=None))
    assert pacl(x).shape == (2, 4, 512)
    model = MODELS.build(dict(shrink_model_cfg(base), class_texts=CLASSES))
    losses = model(demo_inputs(base, batch_size=2), demo_data_samples([0, 2]),
                   mode='loss')
    assert losses['loss_v2t'].requires_grad


def test_frozen_text_path_is_encoded_once_for_training():
    m = MODELS.build(stgcn_visece_cfg(text_encoder=dict(
        type='BertTextEncoder', config=TINY_BERT, frozen=True)))
    cfg = stgcn_visece_cfg()
    calls = []
    original = m.encode_class_texts
    m.encode_class_texts = lambda names: calls.append(list(names)) or \
        original(names)
    for _ in range(3):
        losses = m(demo_inputs(cfg), demo_data_samples([0, 2]), mode='loss')
    assert len(calls) == 1 and calls[0] == CLASSES
    assert losses['loss_v2t'].requires_grad  # the video side still learns


@pytest.mark.parametrize('embed_frames', [False, True])
def test_video_and_text_embedders(embed_frames):
    """The original's projectors: video embedder per frame or after pooling,
    text embedder after the encoder, into a shared 16-d space."""
    cfg = stgcn_visece_cfg(
        video_embedder=dict(type='Linear', in_features=TINY_BERT['hidden_size'],
                            out_features=16),
        embed_frames=embed_frames,
        text_embedder=dict(type='Linear', in_features=TINY_BERT['hidden_size'],
                           out_features=16))
    m = MODELS.build(cfg)
    x = demo_inputs(cfg)
    frames = m.extract_feat(x)[0]
    pooled = frames.mean(1)
    expected = m.video_embedder(frames).mean(1) if embed_frames \
        else m.video_embedder(pooled)
    assert torch.allclose(m.embed_video(frames),
                          torch.nn.functional.normalize(expected, dim=-1),
                          atol=1e-6)
    assert m.class_embeddings().shape == (len(CLASSES), 16)
    assert m.text_embedder in m.text_modules()
    losses = m(x, demo_data_samples([0, 1]), mode='loss')
    losses['loss_v2t'].backward()
    assert m.text_embedder.weight.grad is not None
    assert m.video_embedder.weight.grad is not None


@pytest.mark.parametrize('embed_frames', [False, True])
def test_pool_frames_is_the_pooling_seam(embed_frames):
    """``embed_video`` = norm(embedder around ``pool_frames``): the default
    pools by the mean; an override changes only the pooling, at the width
    ``pool_channels`` that the embedder placement gives."""
    width = TINY_BERT['hidden_size']
    cfg = stgcn_visece_cfg(
        video_embedder=dict(type='Linear', in_features=width, out_features=16),
        embed_frames=embed_frames)
    m = MODELS.build(cfg)
    frames = m.extract_feat(demo_inputs(cfg))[0]  # [B, T, C]
    assert m.pool_channels == (16 if embed_frames else width)
    assert torch.equal(m.pool_frames(frames), frames.mean(1))
    m.pool_frames = lambda f: f.amax(dim=1)  # [B, T, C] -> [B, C]
    expected = m.video_embedder(frames).amax(1) if embed_frames \
        else m.video_embedder(frames.amax(1))
    assert torch.allclose(m.embed_video(frames),
                          torch.nn.functional.normalize(expected, dim=-1),
                          atol=1e-6)
    assert MODELS.build(stgcn_visece_cfg()).pool_channels == width


def test_pool_channels_unknown_width_is_a_clear_error():
    m = MODELS.build(stgcn_visece_cfg(
        video_embedder=dict(type='GELU'), embed_frames=True))
    with pytest.raises(ValueError, match='GELU has no out_features'):
        m.pool_channels
