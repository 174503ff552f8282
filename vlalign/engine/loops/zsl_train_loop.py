"""The training loop of the stage-2 heads: calibration fold, fit, finalize.

:class:`ZSLTrainLoop` is an iteration-based loop (mmengine's
``IterBasedTrainLoop``) over a :class:`~vlalign.datasets.ZSLFeatureDataset`
``train`` split that, around the usual iterations:

1. before training, fits a copy of the freshly initialised head on a
   calibration fold (:func:`~vlalign.evaluation.calibration_fold`: the
   protocol's validation classes, or a seeded subset of seen classes, held
   out together with a seeded fraction of the other rows), scores the
   held-out rows with the held-out classes posing as unseen, and stores the
   calibrated-stacking constant and (for heads with gating) the fitted gate
   in the head (``set_calibration``), and the figures in
   ``<work_dir>/calibration.json``;
2. trains the head on every training row (seen classes only);
3. at the last iteration, before the last checkpoint is written, fits the
   head's post-hoc parts (``finalize``: latent classifiers, seen expert).

No unseen class, no unseen-class sample and no test sample is used. A
resumed run finds the calibration in the checkpoint and does not redo it.
"""
import copy
import json
import os.path as osp
from typing import Dict, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import build_optim_wrapper
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import DataLoader, Subset

from vlalign.evaluation.calibration_fold import (calibration_fold,
                                                  select_fold_gamma)
from vlalign.registry import LOOPS, PARAM_SCHEDULERS
from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError


def _infinite(loader: DataLoader):
    while True:
        for batch in loader:
            yield batch


@torch.no_grad()
def head_outputs(model, features: torch.Tensor,
                 frames: Optional[torch.Tensor] = None,
                 batch_size: int = 256) -> Dict[str, torch.Tensor]:
    """``model.outputs`` in eval mode, in batches (a head may score every
    class of every row, ``[B, L]`` pairs)."""
    model.eval()
    parts = []
    for i in range(0, len(features), batch_size):
        parts.append(model.outputs(
            features[i:i + batch_size],
            None if frames is None else frames[i:i + batch_size]))
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]
            if parts[0][k].dim() > 0}


@LOOPS.register_module()
class ZSLTrainLoop(IterBasedTrainLoop):
    """Calibration fold + fit + finalize of a stage-2 head (module doc).

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): Over a ``ZSLFeatureDataset`` train
            split.
        max_iters (int, optional): Training iterations.
        max_epochs (int, optional): Or passes over the training rows
            (converted to iterations; the fold makes as many passes over
            its own rows).
        calibration (dict, optional): ``enable`` (True), ``num_heldout``
            (None: the protocol's ``val.txt``, else 20% of the seen
            classes), ``holdout_fraction`` (0.2), ``seed`` (None: the
            runner's seed, else 0).
        val_begin (int), val_interval (int): As mmengine's; the stage-2
            configs validate only at the end (the test split is never used
            to choose anything).
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 max_iters: Optional[int] = None,
                 max_epochs: Optional[int] = None,
                 calibration: Optional[Dict] = None,
                 val_begin: int = 1, val_interval: int = 10 ** 9) -> None:
        if isinstance(dataloader, dict):
            dataloader = runner.build_dataloader(
                dataloader, seed=runner.seed,
                diff_rank_seed=runner._randomness_cfg.get('diff_rank_seed',
                                                          False))
        if (max_iters is None) == (max_epochs is None):
            raise ConfigError('ZSLTrainLoop needs exactly one of max_iters '
                              'and max_epochs')
        self.epochs = max_epochs
        if max_iters is None:
            max_iters = int(max_epochs) * len(dataloader)
        super().__init__(runner, dataloader, int(max_iters),
                         val_begin=val_begin, val_interval=val_interval)
        self.calibration = dict(enable=True, num_heldout=None,
                                holdout_fraction=0.2, seed=None)
        self.calibration.update(calibration or {})

    # ------------------------------------------------------------ helpers
    @property
    def model(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    @property
    def dataset(self):
        return self.dataloader.dataset

    def _check_protocol(self) -> None:
        meta, model = self.dataset.metainfo, self.model
        if tuple(meta.get('classes', ())) != tuple(model.class_names):
            raise ConfigError(
                f'the training dataset\'s classes {meta.get("classes")} differ '
                f'from the head\'s label space {model.class_names}: give the '
                'model and the dataset the same protocol')
        model.set_fit_classes(meta['seen_classes'], meta['unseen_classes'])

    def _schedulers(self, optim_wrapper, epoch_length: int):
        """The config's param schedulers for a fold's optimiser; epoch-based
        ones made iteration-based on the fold's epoch length."""
        cfgs = self.runner.cfg.get('param_scheduler') or []
        cfgs = [cfgs] if isinstance(cfgs, dict) else list(cfgs)
        out = []
        for cfg in cfgs:
            cfg = copy.deepcopy(dict(cfg))
            kind = PARAM_SCHEDULERS.get(cfg.pop('type'))
            if cfg.pop('convert_to_iter_based', False):
                cfg.pop('by_epoch', None)
                out.append(kind.build_iter_from_epoch(
                    optim_wrapper, epoch_length=epoch_length, **cfg))
            elif cfg.get('by_epoch', True):
                raise ConfigError('ZSLTrainLoop: epoch-based schedulers need '
                                  'convert_to_iter_based=True')
            else:
                out.append(kind(optim_wrapper, **cfg))
        return out

    # -------------------------------------------------------- calibration
    def calibrate(self, initial) -> Dict:
        """Fit ``initial`` (a copy of the untrained head) on a calibration
        fold, choose gamma (and the gate) on it, store them in the head."""
        cal = self.calibration
        seed = cal['seed'] if cal['seed'] is not None else \
            (self.runner.seed if self.runner.seed is not None else 0)
        ds, meta = self.dataset, self.dataset.metainfo
        classes = list(meta['classes'])
        labels = ds.labels.numpy()
        fold = calibration_fold(labels, classes, meta['seen_classes'],
                                None if cal['num_heldout'] is not None
                                else meta.get('val_classes') or None,
                                cal['num_heldout'], cal['holdout_fraction'],
                                seed)
        head = copy.deepcopy(initial)
        head.set_fit_classes(fold.fit_classes, fold.heldout_classes)
        g = torch.Generator().manual_seed(int(seed))
        loader = DataLoader(Subset(ds, fold.fit_idx.tolist()),
                            batch_size=self.dataloader.batch_size,
                            shuffle=True, generator=g,
                            collate_fn=self.dataloader.collate_fn,
                            drop_last=bool(self.dataloader.drop_last)
                            and len(fold.fit_idx) >
                            self.dataloader.batch_size)
        head.set_epoch_length(len(loader))
        optim = build_optim_wrapper(head, copy.deepcopy(
            self.runner.cfg.optim_wrapper))
        scheds = self._schedulers(optim, len(loader))
        iters = self.epochs * len(loader) if self.epochs else self._max_iters
        print_log(f'ZSLTrainLoop: calibration fold ({fold.source}): '
                  f'{len(fold.fit_classes)} classes on {len(fold.fit_idx)} '
                  f'rows, held out {list(fold.heldout_classes)}; {iters} '
                  'iterations', logger='current')
        batches = _infinite(loader)
        head.train()
        for _ in range(iters):
            head.train_step(next(batches), optim_wrapper=optim)
            for s in scheds:
                s.step()
        fit = torch.from_numpy(fold.fit_idx)
        head.finalize(ds.features[fit], ds.labels[fit])
        rows = torch.from_numpy(fold.cal_idx)
        frames = None if ds.frame_features is None else \
            ds.frame_features[rows]
        out = head_outputs(head, ds.features[rows], frames)
        y = labels[fold.cal_idx]
        fit_mask = head.fit_seen.numpy()
        held_mask = head.fit_unseen.numpy()
        gamma, hmean = select_fold_gamma(out['gzsl'].double().numpy(), y,
                                         fit_mask, held_mask)
        info = dict(source=fold.source, seed=int(seed),
                    fit_classes=list(fold.fit_classes),
                    heldout_classes=list(fold.heldout_classes),
                    fit_rows=int(len(fold.fit_idx)),
                    calibration_rows=int(len(fold.cal_idx)),
                    gamma=float(gamma), calibration_hmean=float(hmean))
        if head.gate is not None:
            is_unseen = torch.from_numpy(held_mask[y])
            info.update(head.gate.fit(out['zsl_prob'][:, head.fit_unseen],
                                      out['seen_logits'][:, head.fit_seen],
                                      is_unseen, seed=int(seed)))
        self.model.set_calibration(gamma, head.gate)
        print_log(f'ZSLTrainLoop: calibration {json.dumps(info)}',
                  logger='current')
        if self.runner.work_dir:
            with atomic_open(osp.join(self.runner.work_dir,
                                      'calibration.json'), 'w') as f:
                json.dump(info, f, indent=2)
        return info

    # ------------------------------------------------------------ training
    def run(self) -> torch.nn.Module:
        self._check_protocol()
        model = self.model
        if self.calibration['enable'] and not bool(model.calibrated):
            self.calibrate(copy.deepcopy(model))
        model.set_epoch_length(len(self.dataloader))
        if self._iter >= self._max_iters and not bool(model.fitted):
            self._finalize()
        return super().run()

    def _finalize(self) -> None:
        ds = self.dataset
        self.model.finalize(ds.features, ds.labels)

    def run_iter(self, data_batch) -> None:
        """As mmengine's, and at the last iteration the head is finalized
        before the ``after_train_iter`` hooks (the last checkpoint)."""
        self.runner.call_hook('before_train_iter', batch_idx=self._iter,
                              data_batch=data_batch)
        outputs = self.runner.model.train_step(
            data_batch, optim_wrapper=self.runner.optim_wrapper)
        if self._iter + 1 == self._max_iters:
            self._finalize()
        self.runner.call_hook('after_train_iter', batch_idx=self._iter,
                              data_batch=data_batch, outputs=outputs)
        self._iter += 1
