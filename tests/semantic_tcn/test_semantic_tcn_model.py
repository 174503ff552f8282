"""The aligner: padding changes neither outputs, loss nor metrics; configs
build and train a step; the per-type alignment metric."""
from pathlib import Path
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from mmengine.config import Config

import vlalign.models  # noqa: F401
from vlalign.datasets.segmentation_features import pad_segmentation_batch
from vlalign.evaluation.metrics.alignment_metric import AlignmentMetric
from vlalign.registry import MODELS

from semantic_tcn_helpers import DEMO_CONFIG, ORIGINAL_CONFIG


def _video(t: int, seed: int, dim: int = 64, emb: int = 384):
    g = torch.Generator().manual_seed(seed)
    return dict(features=torch.randn(t, dim, generator=g),
                labels=torch.randint(0, 3, (t, ), generator=g),
                targets=torch.randn(t, emb, generator=g), video=f'v{seed}')


@pytest.fixture(scope='module')
def model():
    m = MODELS.build(Config.fromfile(str(DEMO_CONFIG)).model)
    return m.eval()


def test_padding_changes_no_output_loss_or_metric(model) -> None:
    short, long = _video(7, 0), _video(19, 1)
    alone = pad_segmentation_batch([short])
    both = pad_segmentation_batch([short, long])
    # garbage in the padded frames must not matter either
    both['inputs'][0, 7:] = 1e3
    both['data_samples']['targets'][0, 7:] = -5.0
    with torch.no_grad():
        out_alone = model(alone['inputs'], alone['data_samples'], 'tensor')
        out_both = model(both['inputs'], both['data_samples'], 'tensor')
        torch.testing.assert_close(out_alone[0], out_both[0, :7])
        assert out_both[0, 7:].abs().sum() == 0
        # loss: the masked frame mean over both videos' real frames
        l_short = model(alone['inputs'], alone['data_samples'], 'loss')
        l_long = model(**pad_segmentation_batch([long]), mode='loss')
        l_both = model(both['inputs'], both['data_samples'], 'loss')
    expect = (7 * l_short['loss_align'] + 19 * l_long['loss_align']) / 26
    torch.testing.assert_close(l_both['loss_align'], expect)

    def metrics(batches):
        metric = AlignmentMetric(action_types=dict(null=['bg']))
        metric.dataset_meta = dict(classes=('bg', 'a', 'b'))
        for b in batches:
            preds = model(b['inputs'], b['data_samples'], 'predict')
            metric.process({}, [p.to_dict() for p in preds])
        return metric.compute_metrics(metric.results)

    separate = metrics([alone, pad_segmentation_batch([long])])
    padded = metrics([both])
    assert padded['frames'] == 26
    for key, value in separate.items():
        assert padded[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


def test_predict_samples_and_invalid_mode(model) -> None:
    batch = pad_segmentation_batch([_video(5, 2), _video(9, 3)])
    preds = model(**batch, mode='predict')
    assert [p.pred_embeddings.shape for p in preds] == [(5, 384), (9, 384)]
    assert preds[0].gt_labels.shape == (5, ) and preds[1].video == 'v3'
    with pytest.raises(RuntimeError, match='Invalid mode "foo"'):
        model(**batch, mode='foo')
    with pytest.raises(ValueError, match='targets'):
        model(batch['inputs'], None, 'loss')


@pytest.mark.parametrize('config,dim', [(DEMO_CONFIG, 64),
                                        (ORIGINAL_CONFIG, 768)])
def test_config_builds_and_trains_a_step(config: Path, dim: int) -> None:
    cfg = Config.fromfile(str(config))
    assert 'work_dir' not in cfg
    for sched in cfg.param_scheduler:
        assert 'end' in sched and 'by_epoch' in sched, sched
    model = MODELS.build(cfg.model)
    batch = pad_segmentation_batch([_video(6, 4, dim), _video(11, 5, dim)])
    optim_wrapper = MagicMock()
    log = model.train_step(batch, optim_wrapper)
    assert set(log) == {'loss', 'loss_align', 'cos_sim'}
    assert torch.isfinite(log['loss'])
    optim_wrapper.update_params.assert_called_once()
    assert model.extract_feat(batch['inputs'], stage='backbone').shape == \
        (2, 11, 64)
    assert cfg.model.loss == dict(type='AdaptiveAlignmentLoss', alpha=0.7)


def test_original_config_facts() -> None:
    cfg = Config.fromfile(str(ORIGINAL_CONFIG))
    assert cfg.model.backbone.in_channels == 768
    assert tuple(cfg.model.backbone.channels) == (512, 128, 64)
    assert tuple(cfg.model.backbone.dilations) == (1, 2, 4)
    assert (cfg.model.projector.in_channels, cfg.model.projector.hidden_channels,
            cfg.model.projector.out_channels) == (64, 512, 384)
    assert cfg.default_hooks.checkpoint.interval == 20
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert hooks['EarlyStoppingHook']['monitor'] == 'align/cos_mean'
    # early stopping and the best checkpoint read a carve of the training
    # videos; the test bundle is only tested
    val, train = cfg.val_dataloader.dataset, cfg.train_dataloader.dataset
    assert (val.type, val.part, train.part) == ('RandomSplitDataset', 'val',
                                                'train')
    assert val.dataset.ann_file == train.dataset.ann_file == \
        'splits/train.split1.bundle'
    assert cfg.test_dataloader.dataset.ann_file == 'splits/test.split1.bundle'


def _module_list(projector) -> list:
    return [(type(m).__name__, getattr(m, 'in_features', None),
             getattr(m, 'out_features', None)) for m in projector.net]


def test_projector_is_the_original_module_list() -> None:
    """The original config: Linear 64->512, LayerNorm, ReLU, Dropout, Linear
    512->384, LayerNorm, Dropout (``final_norm=True``); vlalign's default
    (the demo's) leaves out the last two."""
    cfg = Config.fromfile(str(ORIGINAL_CONFIG))
    projector = MODELS.build(cfg.model.projector)
    assert _module_list(projector) == [
        ('Linear', 64, 512), ('LayerNorm', None, None), ('ReLU', None, None),
        ('Dropout', None, None), ('Linear', 512, 384),
        ('LayerNorm', None, None), ('Dropout', None, None)]
    assert projector.net[1].normalized_shape == (512, )
    assert projector.net[5].normalized_shape == (384, )
    assert projector.net[3].p == projector.net[6].p == 0.1
    assert cfg.model.projector.final_norm is True
    short = MODELS.build(dict(cfg.model.projector, final_norm=False))
    assert [m[0] for m in _module_list(short)] == [
        'Linear', 'LayerNorm', 'ReLU', 'Dropout', 'Linear']
    # vlalign's default, which the demo config uses
    demo = MODELS.build(Config.fromfile(str(DEMO_CONFIG)).model.projector)
    assert [m[0] for m in _module_list(demo)] == [m[0] for m in
                                                  _module_list(short)]


def test_alignment_metric_per_type_hand_computed(tmp_path: Path) -> None:
    metric = AlignmentMetric(plot_dir=str(tmp_path))  # default patterns
    metric.dataset_meta = dict(classes=('SIL', 'take', 'wrong_take'))
    e = torch.eye(2)
    # frames: take (perfect), SIL (orthogonal), wrong_take (opposite)
    metric.process({}, [dict(pred_embeddings=torch.stack([e[0], e[1], -e[0]]),
                             gt_embeddings=torch.stack([e[0], e[0], e[0]]),
                             gt_labels=torch.tensor([1, 0, 2]), video='v')])
    out = metric.compute_metrics(metric.results)
    assert out['cos_mean'] == pytest.approx(0.0)
    assert out['cos_median'] == pytest.approx(0.0)
    assert out['cos_std'] == pytest.approx(np.std([1, 0, -1]))
    assert out['mse'] == pytest.approx((0 + 1 + 2) / 3)
    assert out['regular/cos_mean'] == pytest.approx(1.0)
    assert out['null/cos_mean'] == pytest.approx(0.0)
    assert out['wrong/cos_mean'] == pytest.approx(-1.0)
    assert out['wrong/mse'] == pytest.approx(2.0)
    assert (tmp_path / 'v.png').stat().st_size > 1000
