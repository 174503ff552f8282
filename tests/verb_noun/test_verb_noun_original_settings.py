"""The EPIC-KITCHENS-100 verb/noun "original setting" and its phase-2 sweep
(configs 1-8): the values, read from the built configs, equal the original
experiments' (issue 14); the models build with them."""
import glob
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from vlalign.registry import MODELS

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'verb_noun'
ORIGINAL = CONFIG_DIR / \
    'verbnoun-xattn_mstemporal_1xb24-u16-50e_ek100-feature_original.py'
# lr / batch / dropout / label smoothing / drop path of the original sweep
SWEEP = {1: (5e-5, 24, 0.5, 0.1, 0.1), 2: (1e-4, 24, 0.4, 0.1, 0.1),
         3: (5e-5, 32, 0.5, 0.15, 0.1), 4: (5e-5, 24, 0.6, 0.1, 0.15),
         5: (3e-5, 24, 0.5, 0.1, 0.1), 6: (5e-5, 16, 0.5, 0.1, 0.1),
         7: (5e-5, 24, 0.5, 0.2, 0.1), 8: (5e-5, 24, 0.4, 0.1, 0.05)}


def _values(cfg: Config) -> tuple:
    return (cfg.optim_wrapper.optimizer.lr, cfg.train_dataloader.batch_size,
            cfg.model.cls_head.dropout, cfg.model.cls_head.label_smoothing,
            cfg.model.drop_path)


def _sweep_config(n: int) -> Path:
    found = glob.glob(str(CONFIG_DIR / f'*_phase2-sweep{n}_*.py'))
    assert len(found) == 1, found
    return Path(found[0])


def test_original_setting() -> None:
    cfg = Config.fromfile(str(ORIGINAL))
    assert _values(cfg) == SWEEP[1]
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay) == ('AdamW', 5e-5, 1e-4)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=1.0)
    (sched, ) = cfg.param_scheduler
    assert sched.type == 'CosineRestartLR'  # cosine with warm restarts
    assert sum(sched.periods) == cfg.train_cfg.max_epochs == sched.end
    assert sched.by_epoch and sched.begin == 0
    # FP16 is tools/train.py --amp (AmpOptimWrapper needs a GPU)
    assert cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'


@pytest.mark.parametrize('n', sorted(SWEEP))
def test_phase2_sweep_config(n: int) -> None:
    path = _sweep_config(n)
    cfg = Config.fromfile(str(path))
    assert _values(cfg) == SWEEP[n]
    lr, batch, dropout, smoothing, drop_path = SWEEP[n]
    # the name says what it is
    assert f'sweep{n}_' in path.name and f'-b{batch}-' in path.name
    assert f'1xb{batch}-' in path.name and f'-dp{drop_path:g}' in path.name
    assert cfg.auto_scale_lr.base_batch_size == batch
    # all but the swept values as the original setting
    original = Config.fromfile(str(ORIGINAL))
    assert cfg.param_scheduler == original.param_scheduler
    assert cfg.optim_wrapper.clip_grad == original.optim_wrapper.clip_grad
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4


def test_original_model_and_optimizer_build_with_those_values() -> None:
    cfg = Config.fromfile(str(_sweep_config(4)))  # dropout 0.6, drop path .15
    cfg.model.update(in_channels=16, embed_dims=32, num_heads=2, max_frames=4)
    model = MODELS.build(cfg.model)
    assert model.cls_head.dropout.p == 0.6
    assert model.cls_head.label_smoothing == 0.1
    rates = [m.drop_prob for m in model.modules()
             if type(m).__name__ == 'DropPath']
    assert rates and max(rates) == pytest.approx(0.15)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert optim.optimizer.defaults['lr'] == 5e-5
    assert isinstance(optim.optimizer, torch.optim.AdamW)
