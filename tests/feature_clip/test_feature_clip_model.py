import math
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from vlalign.models.losses import contrastive
from vlalign.registry import MODELS
from vlalign.utils.errors import ConfigError

CONFIGS = {
    'demo': 'featureclip_mlp_1xb32-10e_demo-features.py',
    'omnivore':
    'featureclip_mlp-omnivore-mpnet_1xb128-15e_ego4d-narrations.py',
    'videomae':
    'featureclip_mlp-videomae-minilm_1xb128-15e_ego4d-narrations.py',
}


def _cfg(repo_root, name):
    return Config.fromfile(str(repo_root / 'configs' / 'feature_clip' /
                               CONFIGS[name]))


def _model(**kw):
    cfg = dict(type='FeatureCLIP',
               visual_proj=dict(type='ProjectionMLP', in_channels=6,
                                out_channels=4),
               text_proj=dict(type='ProjectionMLP', in_channels=5,
                              out_channels=4))
    cfg.update(kw)
    return MODELS.build(cfg)


def test_logit_scale_init_and_clamp():
    model = _model()
    assert model.logit_scale.log_scale.item() == pytest.approx(
        math.log(1 / 0.07))
    assert model.logit_scale().item() == pytest.approx(1 / 0.07, rel=1e-5)
    with torch.no_grad():
        model.logit_scale.log_scale.fill_(10.0)  # above log 100
    assert model.logit_scale().item() == pytest.approx(100.0, rel=1e-5)
    with torch.no_grad():
        model.logit_scale.log_scale.fill_(-3.0)  # below 0
    assert model.logit_scale().item() == pytest.approx(1.0)
    # clamped: no gradient flows into the stored parameter
    model.logit_scale().backward()
    assert model.logit_scale.log_scale.grad.item() == 0.0


def test_original_mode_multiplies_the_raw_parameter_unnormalised():
    """The notebook's logits: raw s times unnormalised projections."""
    model = _model(normalize=False, logit_scale_mode='raw')
    model.visual_proj = torch.nn.Identity()
    model.text_proj = torch.nn.Identity()
    assert model.logit_scale().item() == pytest.approx(math.log(1 / 0.07))
    v = torch.tensor([[2.0, 0.0], [0.0, 3.0]])
    t = torch.tensor([[1.0, 1.0], [0.0, 2.0]])
    with torch.no_grad():
        model.logit_scale.log_scale.fill_(0.5)
    out = model(dict(video=v, text=t), mode='loss')
    logits = 0.5 * v @ t.t()  # [[1, 0], [1.5, 3]], not cosines
    expect = (F.cross_entropy(logits, torch.arange(2)) +
              F.cross_entropy(logits.t(), torch.arange(2)))
    assert (out['loss_v2t'] + out['loss_t2v']).item() == pytest.approx(
        expect.item(), rel=1e-5)
    assert out['logit_scale'].item() == pytest.approx(0.5)
    # embeddings stay unnormalised for retrieval too
    pred = model(dict(video=v, text=t), mode='predict')
    assert pred[1].video_emb.norm().item() == pytest.approx(3.0)


def test_original_mode_gradient_and_in_place_clamp_after_the_step():
    """No clamp in forward: the raw scale gets a gradient below and at the
    cap; LogitScaleClampHook clamps the parameter in place after the step."""
    from mmengine.optim import OptimWrapper

    from vlalign.engine.hooks import LogitScaleClampHook
    torch.manual_seed(0)
    model = _model(normalize=False, logit_scale_mode='raw')
    x, y = torch.randn(8, 6), torch.randn(8, 5)
    scale = model.logit_scale.log_scale
    cap = math.log(100.0)
    for value in (math.log(1 / 0.07), cap):  # below and at the cap
        model.zero_grad()
        with torch.no_grad():
            scale.fill_(value)
        loss = model(dict(video=x, text=y), mode='loss')
        (loss['loss_v2t'] + loss['loss_t2v']).backward()
        assert scale.grad is not None and scale.grad.abs().item() > 0
    # CLIP-style for contrast: past the cap the forward clamp cuts it
    clip = _model()
    with torch.no_grad():
        clip.logit_scale.log_scale.fill_(cap + 1)
    loss = clip(dict(video=x, text=y), mode='loss')
    (loss['loss_v2t'] + loss['loss_t2v']).backward()
    assert clip.logit_scale.log_scale.grad.item() == 0.0

    # a step that pushes s past the cap, then the hook clamps in place
    with torch.no_grad():
        scale.fill_(cap - 0.01)
    optim = OptimWrapper(torch.optim.SGD([scale], lr=1e3))
    model.train_step(dict(inputs=dict(video=x, text=10 * x[:, :5])), optim)
    assert scale.item() > cap or scale.item() < 0  # the step left the range
    runner = MagicMock(model=model)
    LogitScaleClampHook().after_train_iter(runner, 0)
    assert 0.0 <= scale.item() <= cap
    assert scale.item() in (0.0, pytest.approx(cap))
    with torch.no_grad():
        scale.fill_(-1.0)
    LogitScaleClampHook().after_train_iter(runner, 1)
    assert scale.item() == 0.0


def test_bad_logit_scale_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="'exp', 'raw'"):
        _model(logit_scale_mode='log')


def test_symmetric_infonce_hand_computed():
    model = _model()
    v = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    t = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    model.visual_proj = torch.nn.Identity()
    model.text_proj = torch.nn.Identity()
    with torch.no_grad():
        model.logit_scale.log_scale.fill_(math.log(3.0))
    out = model(dict(video=v, text=t), mode='loss')
    # logits s * v @ t^T = [[0, 3], [2.4, 1.8]]; targets: the diagonal
    lse = lambda *a: math.log(sum(math.exp(x) for x in a))  # noqa: E731
    v2t = 0.5 * ((lse(0, 3) - 0) + (lse(2.4, 1.8) - 1.8))
    t2v = 0.5 * ((lse(0, 2.4) - 0) + (lse(3, 1.8) - 1.8))
    assert out['loss_v2t'].item() == pytest.approx(v2t, rel=1e-5)
    assert out['loss_t2v'].item() == pytest.approx(t2v, rel=1e-5)
    assert out['logit_scale'].item() == pytest.approx(3.0, rel=1e-5)
    assert not out['logit_scale'].requires_grad


def test_gathered_loss_equals_single_process(monkeypatch):
    """Two simulated ranks (``gather_with_grad`` returns the other rank's
    rows beside the local ones): the mean rank loss and its gradients equal
    the single-process loss over the whole batch."""
    torch.manual_seed(0)
    model = _model()
    x, y = torch.randn(8, 6), torch.randn(8, 5)
    single = model(dict(video=x, text=y), mode='loss')
    total = single['loss_v2t'] + single['loss_t2v']
    grads = torch.autograd.grad(total, list(model.parameters()))

    rank_losses = []
    for rank in (0, 1):
        sl, other = slice(4 * rank, 4 * rank + 4), slice(4 - 4 * rank,
                                                         8 - 4 * rank)
        others = iter([model.encode_video(x[other]),
                       model.encode_text(y[other])])

        def fake_gather(local, rank=rank, others=others):
            o = next(others)
            return torch.cat([local, o] if rank == 0 else [o, local]), \
                rank * local.shape[0]

        monkeypatch.setattr(contrastive, 'gather_with_grad', fake_gather)
        out = model(dict(video=x[sl], text=y[sl]), mode='loss')
        rank_losses.append(out['loss_v2t'] + out['loss_t2v'])
    mean = (rank_losses[0] + rank_losses[1]) / 2  # what DDP averages
    assert mean.item() == pytest.approx(total.item(), rel=1e-5)
    for g_dist, g_single in zip(
            torch.autograd.grad(mean, list(model.parameters())), grads):
        torch.testing.assert_close(g_dist, g_single, atol=1e-6, rtol=1e-4)


def test_predict_and_tensor_modes():
    from mmaction.structures import ActionDataSample
    model = _model().eval()
    x, y, classes = torch.randn(3, 6), torch.randn(3, 5), torch.randn(7, 5)
    samples = model(dict(video=x, text=y), mode='predict')
    assert samples[0].video_emb.shape == (4, )
    assert samples[2].text_emb.norm().item() == pytest.approx(1.0)
    scored = model(dict(video=x, class_text=classes),
                   [ActionDataSample() for _ in range(3)], mode='predict')
    assert scored[0].pred_score.shape == (7, )
    assert scored[1].pred_score.sum().item() == pytest.approx(1.0)
    emb = model(dict(video=x), mode='tensor')
    assert emb.shape == (3, 4)
    with pytest.raises(RuntimeError, match='Invalid mode "bad"'):
        model(dict(video=x), mode='bad')
    with pytest.raises(ConfigError, match='"video"\\] is 5-d but the model '
                       'expects 6-d'):
        model(dict(video=y, text=y), mode='loss')
    with pytest.raises(ConfigError, match='out_channels'):
        _model(text_proj=dict(type='ProjectionMLP', in_channels=5,
                              out_channels=3))


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_configs_build_and_train_step(repo_root, name):
    cfg = _cfg(repo_root, name)
    model = MODELS.build(cfg.model)
    d = cfg.model.visual_proj.in_channels
    c = cfg.model.text_proj.in_channels
    assert (d, c) == {'demo': (32, 24), 'omnivore': (1536, 768),
                      'videomae': (768, 384)}[name]
    assert cfg.train_dataloader.batch_size == (32 if name == 'demo' else 128)
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    model.init_weights()
    for sched in cfg.param_scheduler:
        assert 'end' in sched and 'by_epoch' in sched
    data = dict(inputs=dict(video=torch.randn(4, d), text=torch.randn(4, c)))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert {'loss', 'loss_v2t', 'loss_t2v', 'logit_scale'} <= set(log_vars)
    optim_wrapper.update_params.assert_called_once()
    assert torch.isfinite(log_vars['loss'])
    if cfg.model.get('normalize', True):
        # batch 4, random pairs, cosine logits: the loss is near 2 * log(4)
        assert 0.5 < log_vars['loss'].item() < 20


def test_demo_config_dataset_from_generated_data(repo_root, tmp_path):
    """The demo config's datasets build on generated data of its dims."""
    from vlalign.data_prep.demo.feature_narrations import \
        generate_feature_narrations
    from vlalign.registry import DATASETS
    cfg = _cfg(repo_root, 'demo')
    out = generate_feature_narrations(str(tmp_path), num_train_videos=4,
                                      num_val_videos=2)
    ds_cfg = dict(cfg.train_dataloader.dataset,
                  feature_file=out['feature_file'],
                  narration_file=out['train_narrations'])
    ds = DATASETS.build(ds_cfg)
    assert ds[0]['inputs']['video'].shape == (32, )
    assert ds[0]['inputs']['text'].shape == (24, )


@pytest.mark.parametrize('name', ['omnivore', 'videomae'])
def test_ego4d_configs_are_the_original_setting(repo_root, name):
    """The values of the original Ego4D notebook, read from the config."""
    cfg = _cfg(repo_root, name)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, tuple(opt.betas), opt.eps) == \
        ('AdamW', 1e-4, (0.98, 0.9), 1e-6)
    assert cfg.train_cfg.max_epochs == 15
    assert not cfg.param_scheduler  # no scheduler
    for loader in ('train_dataloader', 'val_dataloader'):
        assert cfg[loader].dataset.offset_sec == 2.0
    assert cfg.model.normalize is False
    assert cfg.model.logit_scale_mode == 'raw'
    assert cfg.model.init_temperature == 0.07
    assert cfg.model.max_logit_scale == 100.0
    assert 'LogitScaleClampHook' in [h.type for h in cfg.custom_hooks]
    for proj in ('visual_proj', 'text_proj'):
        init = cfg.model[proj].init_cfg
        assert (init.type, init.layer, init.distribution, init.bias) == \
            ('Xavier', 'Linear', 'uniform', 0.0)
        assert init.gain == pytest.approx(torch.nn.init.calculate_gain('relu'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    for layer in model.visual_proj.mlp:
        if isinstance(layer, torch.nn.Linear):
            assert layer.bias.abs().max().item() == 0.0
            fan_in, fan_out = layer.weight.shape[1], layer.weight.shape[0]
            bound = math.sqrt(2) * math.sqrt(6 / (fan_in + fan_out))
            assert layer.weight.abs().max().item() <= bound
            assert layer.weight.abs().max().item() > 0.9 * bound
