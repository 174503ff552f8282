"""Every stage-2 config, trained with ZSLTrainLoop through mmengine's Runner
on synthetic features where zero-shot transfer is possible by construction
(features = relu(W t_c + noise)), beats chance on the unseen classes by a
wide margin; calibration and gating come out of the seen classes only."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from vlalign.apis.two_stage import (CONFIG_DIR, METHODS, configure_two_stage,
                                    run_two_stage, scale_schedule)

# Shortened schedules (the synthetic task is easy); cycles of 120
# iterations keep SynSE's / SA-DVAE's warm-up shape (3 cycles: the text KL
# starts in the third).
SHORT = {
    'vlalign': dict(epoch_scale=0.3),
    'cada-vae': dict(epoch_scale=0.4),
    'synse': dict(iter_scale=120 / 1700, cycles=3, lr=1e-3),
    'smie': dict(epoch_scale=0.5, lr=1e-3),
    'sa-dvae': dict(iter_scale=120 / 1700, cycles=3, lr=1e-3),
}


def short_cfg(method, zsl_set, work_dir):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, METHODS[method]))
    configure_two_stage(cfg, zsl_set['features'], zsl_set['protocol'],
                        seed=0, work_dir=str(work_dir))
    cfg.model.text = dict(embedding_file=zsl_set['embeddings'])
    short = dict(SHORT[method])
    cycles = short.pop('cycles', None)
    lr = short.pop('lr', None)
    scale_schedule(cfg, **short)
    if cycles:
        cfg.train_cfg.max_iters = cycles * cfg.model.cycle_length
    if lr:
        cfg.optim_wrapper.optimizer.lr = lr
    cfg.log_level = 'WARNING'
    return cfg


@pytest.mark.parametrize('method', sorted(SHORT))
def test_transfer_beats_chance(method, zsl_set, tmp_path):
    result = run_two_stage(short_cfg(method, zsl_set, tmp_path))
    m = result['metrics']
    chance = 1 / 3
    assert m['zsl/top1'] > chance + 0.3, m
    # GZSL: the VAEs with a gate are judged by it (their stacked experts
    # are not what the originals report), the others by calibrated
    # stacking; both chosen on the calibration fold.
    key = 'gzsl_gate/hmean' if method in ('synse', 'sa-dvae') \
        else 'gzsl_cs/hmean'
    assert m[key] > 0.4, m
    calib = json.load(open(tmp_path / 'calibration.json'))
    unseen = open(osp.join(zsl_set['protocol'], 'unseen.txt')).read().split(
        '\n')
    assert not set(calib['heldout_classes']) & set(unseen)
    assert not set(calib['fit_classes']) & set(unseen)
    if method in ('synse', 'sa-dvae'):
        assert 'gzsl_gate/hmean' in m and 'temperature' in calib
