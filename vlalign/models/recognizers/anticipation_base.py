"""Shared logic of the next-action models: action/verb/noun heads, their
(optionally class-weighted) cross entropy and prediction packing."""
from abc import abstractmethod
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor, nn


TASKS = ('action', 'verb', 'noun')


def balanced_class_weights(counts: Union[Sequence[int], np.ndarray],
                           power: float = 1.0) -> Tensor:
    """``(N / (K * n_c)) ** power`` for the ``K`` classes with ``n_c > 0``
    of ``N`` labels (sklearn's "balanced"); classes never seen get ``1``.

    Returns:
        Tensor: ``[C]`` float weights.
    """
    counts = torch.as_tensor(np.asarray(counts), dtype=torch.float)
    seen = counts > 0
    weights = torch.ones_like(counts)
    if seen.any():
        total, k = counts[seen].sum(), seen.sum()
        weights[seen] = (total / (k * counts[seen])) ** power
    return weights


class BaseAnticipationModel(BaseModel):
    """A feature extractor (subclasses) with action, verb and noun heads.

    ``forward(inputs, data_samples, mode)`` follows mmaction2's contract:
    ``'loss'`` returns ``loss_action``/``loss_verb``/``loss_noun`` (plus what
    :meth:`extra_losses` adds), ``'predict'`` returns the data samples with
    softmax scores ``pred_action`` ``[A]``, ``pred_verb`` ``[V]`` and
    ``pred_noun`` ``[N]``, ``'tensor'`` returns ``dict(action=[B, A],
    verb=[B, V], noun=[B, N], feature=[B, C])`` logits and features.

    Args:
        feat_dim (int): Width ``C`` of :meth:`extract_feat`'s output.
        num_actions (int): Action classes ``A``.
        num_verbs (int): Verb classes ``V``.
        num_nouns (int): Noun classes ``N``.
        loss_weights (dict): Weight of each task's cross entropy; ``0``
            drops a task's loss (its head still predicts). Defaults to
            ``dict(action=1.0, verb=0.5, noun=0.5)``.
        class_weighted (bool): Weight the cross entropy by inverse training
            frequency (:func:`balanced_class_weights`, set by
            ``ClassCountsHook``). Defaults to ``False``.
        class_weight_power (float): Exponent of those weights (``0.5`` is
            a milder rebalancing). Defaults to ``1.0``.
        label_smoothing (float): Defaults to ``0.0``.
        dropout (float): Dropout before the heads. Defaults to ``0.1``.
        data_preprocessor (dict, optional): Defaults to mmengine's
            ``BaseDataPreprocessor`` (moves tensors to the device).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, feat_dim: int, num_actions: int, num_verbs: int,
                 num_nouns: int,
                 loss_weights: Optional[Mapping[str, float]] = None,
                 class_weighted: bool = False,
                 class_weight_power: float = 1.0,
                 label_smoothing: float = 0.0, dropout: float = 0.1,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        weights = dict(action=1.0, verb=0.5, noun=0.5)
        weights.update(loss_weights or {})
        unknown = set(weights) - set(TASKS)
        if unknown:
            raise ValueError(f'loss_weights has unknown tasks {sorted(unknown)}'
                             f'; use {TASKS}')
        self.loss_weights = weights
        self.num_classes = dict(action=num_actions, verb=num_verbs,
                                noun=num_nouns)
        self.class_weighted = class_weighted
        self.class_weight_power = class_weight_power
        self.label_smoothing = label_smoothing
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict(
            {t: nn.Linear(feat_dim, n) for t, n in self.num_classes.items()})
        for t, n in self.num_classes.items():
            self.register_buffer(f'class_weight_{t}', torch.ones(n))

    @abstractmethod
    def extract_feat(self, inputs) -> Tensor:
        """Features ``[B, C]`` of a batch of inputs."""

    def set_class_counts(self, counts: Mapping[str, Sequence[int]]) -> None:
        """Set the class weights from training-label counts per task (a
        no-op unless ``class_weighted``)."""
        if not self.class_weighted:
            return
        for t in TASKS:
            if t in counts:
                w = balanced_class_weights(counts[t], self.class_weight_power)
                if w.numel() != self.num_classes[t]:
                    raise ValueError(f'{t} counts have {w.numel()} classes, '
                                     f'the model {self.num_classes[t]}')
                getattr(self, f'class_weight_{t}').copy_(w)

    def logits(self, feats: Tensor) -> Dict[str, Tensor]:
        """Head logits ``{task: [B, n_task]}`` of features ``[B, C]``."""
        x = self.dropout(feats)
        return {t: head(x) for t, head in self.heads.items()}

    @staticmethod
    def gt(data_samples: Sequence[BaseDataElement], task: str,
           device: torch.device) -> Tensor:
        """Labels ``[B]`` of a task (``-1``: unknown)."""
        return torch.stack([s.get(f'gt_{task}').reshape(()) for s in
                            data_samples]).to(device=device, dtype=torch.long)

    def ce_losses(self, logits: Mapping[str, Tensor],
                  data_samples: Sequence[BaseDataElement]
                  ) -> Dict[str, Tensor]:
        """``loss_<task>`` for every task with a positive weight."""
        losses = {}
        for t in TASKS:
            if self.loss_weights[t] <= 0:
                continue
            target = self.gt(data_samples, t, logits[t].device)
            weight = (getattr(self, f'class_weight_{t}')
                      if self.class_weighted else None)
            valid = target >= 0
            if valid.any():
                loss = F.cross_entropy(
                    logits[t], target, weight=weight, ignore_index=-1,
                    label_smoothing=self.label_smoothing)
            else:  # keep the key (and the graph) on every rank
                loss = logits[t].sum() * 0.0
            losses[f'loss_{t}'] = self.loss_weights[t] * loss
        return losses

    def extra_losses(self, feats: Tensor, logits: Mapping[str, Tensor],
                     data_samples: Sequence[BaseDataElement]
                     ) -> Dict[str, Tensor]:
        """More loss terms (distillation in the student). Defaults to none."""
        return {}

    def loss(self, inputs, data_samples: Sequence[BaseDataElement]
             ) -> Dict[str, Tensor]:
        feats = self.extract_feat(inputs)
        logits = self.logits(feats)
        losses = self.ce_losses(logits, data_samples)
        losses.update(self.extra_losses(feats, logits, data_samples))
        return losses

    def predict(self, inputs, data_samples: Sequence[BaseDataElement]
                ) -> List[BaseDataElement]:
        logits = self.logits(self.extract_feat(inputs))
        for i, sample in enumerate(data_samples):
            for t in TASKS:
                sample.set_field(logits[t][i].softmax(-1).detach(),
                                 f'pred_{t}')
        return list(data_samples)

    def forward(self, inputs, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            feats = self.extract_feat(inputs)
            out = self.logits(feats)
            out['feature'] = feats
            return out
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')
