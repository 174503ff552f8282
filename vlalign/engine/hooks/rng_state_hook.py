"""Make every training epoch's randomness a function of (seed, epoch) only."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from vlalign.registry import HOOKS


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed derived from the run's seed and an epoch index.

    ``SeedSequence`` mixes both numbers, so (seed, epoch + 1) and
    (seed + 1, epoch) give unrelated streams, unlike ``seed + epoch``.

    Args:
        seed (int): The run's seed (``runner.seed``).
        epoch (int): The 0-based index of the epoch about to start.

    Returns:
        int: A seed in ``[0, 2**32)``, valid for numpy's legacy RNG.
    """
    entropy = [int(seed) % 2**32, int(epoch)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def reseed_all(seed: int) -> None:
    """Seed python's ``random``, numpy's global RNG and torch (CPU and CUDA).

    Args:
        seed (int): The seed, in ``[0, 2**32)``.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Re-seed the global RNGs from (seed, epoch) before each training epoch.

    Why: mmengine saves model, optimizer, scheduler and message-hub state but
    not the global RNG states, and with ``num_workers=0`` the training
    transforms draw from numpy's global RNG (e.g. mmaction2's
    ``UniformSampleFrames``; in test mode it even calls ``np.random.seed``
    during validation). An uninterrupted run therefore starts epoch ``k`` with
    whatever state the previous epochs and validations left, while a resumed
    run starts it with the state of a fresh runner, so the two diverge.
    Re-seeding at each epoch start makes the epoch a function of the seed and
    the epoch index only: resuming from an end-of-epoch checkpoint redoes a
    partial epoch from exactly the state the uninterrupted run had, however
    far into the epoch the run was killed.

    This is preferred to saving the RNG states in the checkpoint: the states
    at save time are the states *after* the epoch, and would still have to be
    the same as those at the next epoch's start, which validation (and any
    hook drawing random numbers between epochs) breaks.

    Limits: DataLoader workers seed themselves (mmengine's ``worker_init_fn``)
    from the seed and their id; non-persistent workers are re-created each
    epoch and so are reproducible, persistent workers keep their RNG across
    epochs and restart it on resume (a warning says so). Iteration-based
    loops have a single epoch: there the data transforms replay on resume
    (mmengine re-runs the skipped batches), but model-side randomness such as
    dropout in the skipped iterations is not replayed.

    Args:
        enable (bool): Whether to re-seed. Defaults to ``True``.
    """

    # Before any other hook of ``before_train_epoch`` could draw numbers.
    priority = 'VERY_HIGH'

    def __init__(self, enable: bool = True) -> None:
        self.enable = enable

    def before_train(self, runner) -> None:
        """Warn when persistent DataLoader workers make resumes inexact."""
        if not self.enable:
            return
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers', 0) > 0 and getattr(
                loader, 'persistent_workers', False):
            runner.logger.warning(
                'RNGStateHook: persistent DataLoader workers keep their own '
                'RNG state across epochs, so a resumed run may draw different '
                'augmentations than an uninterrupted one; use '
                'persistent_workers=False for exactly reproducible resumes.')

    def before_train_epoch(self, runner) -> None:
        """Seed all global RNGs from ``runner.seed`` and ``runner.epoch``."""
        if not self.enable:
            return
        seed: Optional[int] = runner.seed
        if seed is None:  # mmengine always sets one; be safe anyway
            return
        reseed_all(epoch_seed(seed, runner.epoch))
