"""Log training accuracy and the validation-minus-training accuracy gap."""
from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from vlalign.registry import HOOKS


@HOOKS.register_module()
class TrainValGapHook(Hook):
    """Average training accuracies over each epoch and, after validation,
    log ``val - train`` for each.

    The training accuracies are the batch accuracies a model returns in its
    loss dict (keys without ``loss``, e.g. ``verb_top1`` from
    :class:`~vlalign.models.VerbNounHead`), averaged over the epoch's
    iterations and over ranks, weighted by batch size. They are measured in
    training mode (dropout, drop path, sampling jitter on), so they are a
    running estimate, not a clean re-evaluation of the training set; a large
    positive ``train - val`` means over-fitting. After each validation run
    this adds, for every key ``k`` found both in training and as
    ``<metric_prefix>/<k>`` in the validation metrics:

    - ``train/<k>``: the epoch's training accuracy,
    - ``gap/<k>``: validation minus training (negative when over-fitting),

    to the validation metrics (logged, and written to the scalar backends).

    Args:
        keys (Sequence[str]): Training-accuracy keys of the loss dict.
            Defaults to ``('action_top1', 'verb_top1', 'noun_top1')``.
        metric_prefix (str): Prefix of the matching validation metrics.
            Defaults to ``'verb_noun'``.
    """

    # After RuntimeInfoHook (VERY_HIGH) stores the metrics, before
    # LoggerHook (BELOW_NORMAL) prints them.
    priority = 'NORMAL'

    def __init__(self,
                 keys: Sequence[str] = ('action_top1', 'verb_top1',
                                        'noun_top1'),
                 metric_prefix: str = 'verb_noun') -> None:
        self.keys = tuple(keys)
        self.metric_prefix = metric_prefix
        self._sums: Dict[str, float] = {}
        self._count = 0
        self.train_acc: Dict[str, float] = {}

    def before_train_epoch(self, runner) -> None:
        self._sums = {k: 0.0 for k in self.keys}
        self._count = 0

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch=None, outputs: Optional[Dict] = None
                         ) -> None:
        if not outputs or not all(k in outputs for k in self.keys):
            return
        # Batch accuracies weighted by batch size: a short last batch
        # counts for its samples only.
        samples = (data_batch or {}).get('data_samples') if isinstance(
            data_batch, dict) else None
        size = len(samples) if samples is not None else 1
        for k in self.keys:
            self._sums[k] += float(outputs[k]) * size
        self._count += size

    def after_train_epoch(self, runner) -> None:
        if not self._count and get_world_size() == 1:
            return
        # Every rank joins the reduction, even one without batches.
        totals = torch.tensor([self._sums.get(k, 0.0) for k in self.keys]
                              + [float(self._count)], dtype=torch.float64)
        if get_world_size() > 1:
            all_reduce(totals)
        if totals[-1] <= 0:
            return
        self.train_acc = {k: float(v / totals[-1])
                          for k, v in zip(self.keys, totals[:-1])}
        runner.logger.info('Epoch(train) accuracy: ' + '  '.join(
            f'{k}: {v:.4f}' for k, v in self.train_acc.items()))

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics is None or not self.train_acc:
            return
        added = {}
        for k, train in self.train_acc.items():
            name = f'{self.metric_prefix}/{k}' if self.metric_prefix else k
            if name not in metrics:
                continue
            added[f'train/{k}'] = train
            added[f'gap/{k}'] = float(metrics[name]) - train
        for key, value in added.items():
            metrics[key] = value
            runner.message_hub.update_scalar(f'val/{key}', value)
