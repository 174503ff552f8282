"""``RNGStateHook``: each epoch's randomness depends on (seed, epoch) only."""
import random
from types import SimpleNamespace

import numpy as np
import torch

from vlalign.engine.hooks.rng_state_hook import RNGStateHook, epoch_seed
from vlalign.registry import HOOKS


def _draw() -> tuple:
    return (random.random(), float(np.random.rand()),
            float(torch.rand(())))


def test_epoch_start_state_ignores_history() -> None:
    hook = HOOKS.build(dict(type='RNGStateHook'))
    runner = SimpleNamespace(seed=0, epoch=1)
    hook.before_train_epoch(runner)
    fresh = _draw()
    _draw()  # whatever came before (an earlier epoch, validation)
    np.random.seed(255)
    hook.before_train_epoch(runner)
    assert _draw() == fresh

    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert _draw() != fresh
    RNGStateHook(enable=False).before_train_epoch(runner)  # no-op


def test_epoch_seed_mixes_seed_and_epoch() -> None:
    assert epoch_seed(0, 1) == epoch_seed(0, 1)
    assert epoch_seed(0, 1) != epoch_seed(1, 0)
    assert 0 <= epoch_seed(-5, 3) < 2**32
