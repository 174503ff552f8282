"""Every skeleton-text config (the families below) builds (pretrained weights
off, tiny text encoder) and runs one train_step and one predict on tiny
skeleton inputs. Feature-level families take other inputs and test their
configs beside their models."""
import glob
import os
from unittest.mock import MagicMock

import pytest
import torch
from mmengine import Config

from vlalign.registry import MODELS
from vlalign.testing import demo_data_samples, demo_inputs, shrink_model_cfg

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Config folders whose models take pose inputs (heatmaps or coordinates).
SKELETON_FAMILIES = ('cross_dataset', 'itm', 'mo', 'pacl', 'slowonly', 'visece')
CONFIGS = sorted(
    p for family in SKELETON_FAMILIES
    for p in glob.glob(os.path.join(REPO, 'configs', family, '*.py')))
CLASSES = ['raise the left arm', 'wave the right hand', 'nod the head']


def test_configs_found():
    assert CONFIGS, 'no configs found'


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[os.path.relpath(p, REPO) for p in CONFIGS])
def test_config_builds_trains_and_predicts(path):
    cfg = Config.fromfile(path)
    assert 'work_dir' not in cfg, 'configs must not bake in a work_dir'
    for sched in cfg.get('param_scheduler', []) or []:
        assert 'end' in sched and 'by_epoch' in sched, \
            f'scheduler {sched["type"]} needs explicit end/by_epoch'
    model_cfg = shrink_model_cfg(cfg.model)
    # Description files cover their dataset's classes, not CLASSES below.
    model_cfg.pop('class_text_sources', None)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    if hasattr(model, 'set_class_texts'):
        model.set_class_texts(CLASSES)
    labels = [0, 1]
    inputs = demo_inputs(model_cfg, batch_size=2, num_frames=8, size=32)
    data = dict(inputs=list(inputs), data_samples=demo_data_samples(labels))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    optim_wrapper.update_params.assert_called_once()

    model.eval()
    with torch.no_grad():
        out = model.test_step(
            dict(inputs=list(inputs), data_samples=demo_data_samples(labels)))
    scores = torch.stack([o.pred_score for o in out])
    assert scores.shape[0] == 2
    assert (scores >= 0).all() and (scores <= 1).all()
