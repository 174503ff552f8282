"""No stage-2 head ever trains on an unseen-class sample: with unseen-class
rows poisoned (NaN features) in train.npy, the fitted head is identical to
one fitted without them, and its calibration fold holds out seen classes
only."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from vlalign.apis.two_stage import (CONFIG_DIR, METHODS, configure_two_stage,
                                    run_two_stage, scale_schedule)
from vlalign.data_prep.writers import write_zsl_features
from vlalign.datasets.zsl_features import (ZSLFeatureSplit,
                                           load_zsl_features)
from vlalign.evaluation.calibration_fold import calibration_fold


def poisoned_copy(zsl_set, out):
    data = load_zsl_features(zsl_set['features'], frames=True)
    g, t = data.splits['gtest'], data.splits['train']
    bad = ~np.isin(g.labels, np.unique(t.labels))
    splits = dict(data.splits)
    # Unseen-class rows first, so an unfiltered loader would meet them.
    splits['train'] = ZSLFeatureSplit(
        np.concatenate([np.full_like(g.features[bad], np.nan), t.features]),
        np.concatenate([g.labels[bad], t.labels]),
        np.concatenate([np.full_like(g.frames[bad], np.nan), t.frames]))
    write_zsl_features(str(out), splits)
    return str(out)


def fit(zsl_set, feature_dir, work_dir):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, METHODS['vlalign']))
    configure_two_stage(cfg, feature_dir, zsl_set['protocol'], seed=0,
                        work_dir=str(work_dir))
    cfg.model.text = dict(embedding_file=zsl_set['embeddings'])
    scale_schedule(cfg, epoch_scale=0.05)
    cfg.log_level = 'WARNING'
    result = run_two_stage(cfg)
    last = open(osp.join(work_dir, 'last_checkpoint')).read().strip()
    ckpt = torch.load(last, map_location='cpu', weights_only=False)
    return result, ckpt['state_dict']


def test_poisoned_unseen_rows_change_nothing(zsl_set, tmp_path):
    clean, clean_state = fit(zsl_set, zsl_set['features'], tmp_path / 'a')
    poisoned = poisoned_copy(zsl_set, tmp_path / 'poisoned')
    dirty, dirty_state = fit(zsl_set, poisoned, tmp_path / 'b')
    assert clean_state.keys() == dirty_state.keys()
    for k in clean_state:
        assert torch.equal(clean_state[k], dirty_state[k]), k
    assert clean['metrics'] == dirty['metrics']
    calib = json.load(open(tmp_path / 'b' / 'calibration.json'))
    unseen = set(open(osp.join(zsl_set['protocol'], 'unseen.txt'))
                 .read().split('\n')) - {''}
    assert not unseen & set(calib['heldout_classes'] + calib['fit_classes'])


@pytest.mark.parametrize('val', [None, ['action 00']])
def test_calibration_fold_uses_seen_rows_only(val):
    classes = [f'c{i}' for i in range(6)] + ['action 00']
    seen = classes[:4] + ['action 00']
    labels = np.repeat(np.arange(7)[[0, 1, 2, 3, 6]], 10)
    fold = calibration_fold(labels, classes, seen, val=val, num_heldout=None,
                            holdout_fraction=0.2, seed=0)
    if val:
        assert fold.heldout_classes == ('action 00', )
        assert fold.source == 'val.txt'
    assert set(fold.fit_classes) | set(fold.heldout_classes) == set(seen)
    assert not set(fold.fit_classes) & set(fold.heldout_classes)
    fit_ids = [classes.index(c) for c in fold.fit_classes]
    held_ids = [classes.index(c) for c in fold.heldout_classes]
    assert np.isin(labels[fold.fit_idx], fit_ids).all()
    assert not set(fold.fit_idx) & set(fold.cal_idx)
    # Every row of a held-out class is a calibration row.
    assert set(np.flatnonzero(np.isin(labels, held_ids))) <= set(fold.cal_idx)
    # Every fit class keeps rows on both sides (20% held out).
    for c in fit_ids:
        assert (labels[fold.cal_idx] == c).sum() == 2
