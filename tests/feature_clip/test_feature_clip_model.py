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
    'featureclip_mlp-omnivore-mpnet_1xb128-10e_ego4d-narrations.py',
    'videomae':
    'featureclip_mlp-videomae-minilm_1xb128-10e_ego4d-narrations.py',
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
    for sched in cfg.param_scheduler:
        assert 'end' in sched and 'by_epoch' in sched
    data = dict(inputs=dict(video=torch.randn(4, d), text=torch.randn(4, c)))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert {'loss', 'loss_v2t', 'loss_t2v', 'logit_scale'} <= set(log_vars)
    optim_wrapper.update_params.assert_called_once()
    # batch 4, random pairs: the loss is near 2 * log(4)
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
