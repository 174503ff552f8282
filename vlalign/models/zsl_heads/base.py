"""What every stage-2 zero-shot head shares.

Stage 2 of the two-stage protocol aligns pooled skeleton features ``[B, C]``
(from a stage-1 encoder trained on the seen classes) with frozen class text
embeddings ``[L, E]`` and scores every class of the protocol. This base owns:

- the protocol's label space (label-file order; a label is an index into
  it) and the classes of the current fit: ``fit_seen`` (what training may
  see) and ``fit_unseen`` (what the zero-shot experts target). A calibration
  fold refits with held-out seen classes as ``fit_unseen``
  (:class:`~vlalign.engine.ZSLTrainLoop`); the final fit uses the
  protocol's seen / unseen classes;
- the class text embeddings (:mod:`.class_embeddings`);
- the guard that no training label lies outside ``fit_seen``;
- a seen-class expert (a linear softmax on the features, fitted on the
  training rows in :meth:`finalize`), used by SynSE's gating and by heads
  without a native all-class score;
- the GZSL calibration constant and the gate, fitted on a calibration fold
  and kept in buffers (so checkpoints carry them);
- prediction: ``pred_score`` ``[L]`` (GZSL scores), ``zsl_score`` (the
  zero-shot expert's probabilities, where the method has its own),
  ``cs_score`` (calibrated stacking with the fold's gamma) and
  ``gate_score`` (the gated decision), read by
  :class:`~vlalign.evaluation.TwoStageZeroShotMetric`.

Subclasses define :meth:`loss` and :meth:`class_scores`, and fit their
post-hoc parts (e.g. the latent classifiers of the VAEs) in
:meth:`finalize_method`.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from vlalign.classes.class_texts import expand_class_texts
from vlalign.classes.protocols import load_protocol
from vlalign.utils.errors import ConfigError, DataError
from .class_embeddings import (DEFAULT_TEXT_ENCODER, ensemble_embeddings,
                               load_embedding_file)
from .gating import ConfidenceGate
from .vae_blocks import fit_classifier, masked_logits

Inputs = Dict[str, Tensor]


def protocol_label_space(protocol: str, class_file: Optional[str] = None
                         ) -> Tuple[List[str], Tuple[str, ...],
                                    Tuple[str, ...]]:
    """``(classes, seen, unseen)`` of a protocol; classes in label-file
    order (``class_file`` if given, else the protocol's, else seen +
    unseen)."""
    from vlalign.classes.label_map import load_class_names
    proto = load_protocol(protocol)
    if class_file is not None:
        proto.check_label_file(class_file)
        classes = load_class_names(class_file)
    elif proto.label_file is not None:
        classes = load_class_names(proto.label_file)
    else:
        classes = list(proto.classes)
    return classes, proto.seen, proto.unseen


class BaseZSLHead(BaseModel, metaclass=ABCMeta):
    """Base of the stage-2 heads (see the module docstring).

    Args:
        protocol (str): A :func:`~vlalign.classes.load_protocol` name or
            folder; fixes the label space and the seen / unseen classes.
        feature_dim (int): ``C`` of the stage-1 features.
        text (dict, optional): Class texts: ``encoder`` (a text encoder
            config, default all-MiniLM-L6-v2), ``templates`` (a prompt-set
            name or templates, default ``('{}', )``), ``sources``
            (description files or dicts, see
            :func:`~vlalign.classes.expand_class_texts`), ``cache_file`` (a
            label-embedding cache), or ``embedding_file`` (a ``.npy``
            ``[L, E]`` used as is, e.g. the text features shipped with
            published features).
        class_file (str, optional): Label file; defaults to the protocol's.
        gating (bool): Fit SynSE's confidence gate on the calibration fold
            and report gated GZSL. Defaults to ``False``.
        seen_expert (dict, optional): ``epochs`` (300), ``lr`` (1e-2) of the
            full-batch fit of the seen-class linear softmax.
        seed (int): Seed of the post-hoc fits. Defaults to ``0``.
        data_preprocessor (dict, optional): Defaults to mmengine's
            ``BaseDataPreprocessor``.
        init_cfg (dict, optional): mmengine init config.
    """

    #: Whether :meth:`loss` uses per-frame features ``inputs['frames']``.
    uses_frames: bool = False

    def __init__(self, protocol: str, feature_dim: int,
                 text: Optional[Dict] = None,
                 class_file: Optional[str] = None,
                 gating: bool = False,
                 seen_expert: Optional[Dict] = None,
                 seed: int = 0,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        classes, seen, unseen = protocol_label_space(protocol, class_file)
        self.protocol = protocol
        self.class_names: Tuple[str, ...] = tuple(classes)
        self.feature_dim = int(feature_dim)
        self.seed = int(seed)
        self.text_cfg = dict(text or {})
        num = len(classes)
        seen_mask = self._mask(seen)
        self.register_buffer('fit_seen', seen_mask.clone())
        self.register_buffer('fit_unseen', self._mask(unseen))
        self.register_buffer('class_emb', self._class_embeddings(),
                             persistent=False)
        self.register_buffer('calib_gamma', torch.tensor(0.0))
        self.register_buffer('calibrated', torch.tensor(False))
        self.register_buffer('fitted', torch.tensor(False))
        self.register_buffer('step', torch.tensor(0, dtype=torch.long))
        self.seen_expert = nn.Linear(self.feature_dim, num)
        self.seen_expert_cfg = dict(epochs=300, lr=1e-2)
        self.seen_expert_cfg.update(seen_expert or {})
        self.gate = ConfidenceGate(k=len(unseen)) if gating else None
        self.epoch_length = 1

    # ------------------------------------------------------------ classes
    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def text_dim(self) -> int:
        return int(self.class_emb.shape[1])

    def _mask(self, names: Sequence[str]) -> Tensor:
        unknown = [n for n in names if n not in self.class_names]
        if unknown:
            raise ConfigError(f'classes {unknown} are not in the label space '
                              f'of protocol {self.protocol}')
        mask = torch.zeros(len(self.class_names), dtype=torch.bool)
        mask[[self.class_names.index(n) for n in names]] = True
        return mask

    def class_texts(self, names: Optional[Sequence[str]] = None
                    ) -> List[List[str]]:
        """The texts of each class: templates on its name, then its
        descriptions (``text.templates``, ``text.sources``)."""
        return expand_class_texts(list(names or self.class_names),
                                  self.text_cfg.get('templates', ('{}', )),
                                  self.text_cfg.get('sources'))

    def embed_texts(self, per_class: Sequence[Sequence[str]]) -> Tensor:
        """``[len(per_class), E]`` ensemble embeddings (frozen encoder)."""
        return ensemble_embeddings(
            per_class, self.text_cfg.get('encoder', DEFAULT_TEXT_ENCODER),
            self.text_cfg.get('cache_file'))

    def _class_embeddings(self) -> Tensor:
        path = self.text_cfg.get('embedding_file')
        if path:
            return load_embedding_file(path, len(self.class_names))
        return self.embed_texts(self.class_texts())

    def set_fit_classes(self, seen: Sequence[str],
                        unseen: Sequence[str]) -> None:
        """Classes of the next fit: training sees ``seen`` only, the
        zero-shot experts target ``unseen``; the others are left out."""
        seen_m, unseen_m = self._mask(seen), self._mask(unseen)
        if (seen_m & unseen_m).any() or not seen_m.any() or \
                not unseen_m.any():
            raise ConfigError('set_fit_classes needs disjoint, non-empty '
                              'seen and unseen classes')
        self.fit_seen.copy_(seen_m)
        self.fit_unseen.copy_(unseen_m)
        self.fitted.fill_(False)

    def set_epoch_length(self, iters: int) -> None:
        """Iterations per epoch of the training data (for epoch-defined
        schedules), set by the training loop."""
        self.epoch_length = max(1, int(iters))

    @property
    def epoch(self) -> int:
        """The training epoch the current step falls in (0-based)."""
        return int(self.step) // self.epoch_length

    def check_train_labels(self, labels: Tensor) -> None:
        """Raise unless every training label is a ``fit_seen`` class."""
        bad = labels[~self.fit_seen[labels]]
        if len(bad):
            raise DataError(
                f'{type(self).__name__} got a training sample of class '
                f'"{self.class_names[int(bad[0])]}", which is not a seen '
                'class of this fit: stage-2 training must never see unseen '
                'classes')

    @staticmethod
    def gt_labels(data_samples: Sequence) -> Tensor:
        return torch.cat([ds.gt_label.view(-1) for ds in data_samples])

    # ----------------------------------------------------------- training
    def train_step(self, data, optim_wrapper) -> Dict[str, Tensor]:
        out = super().train_step(data, optim_wrapper)
        self.step += 1
        return out

    @abstractmethod
    def loss(self, inputs: Inputs, data_samples: Sequence) -> Dict[str, Tensor]:
        """Losses of one batch (keys containing ``loss`` are summed)."""

    def finalize_method(self, features: Tensor, labels: Tensor) -> None:
        """Fit the method's post-hoc parts after training (default: none)."""

    def finalize(self, features: Tensor, labels: Tensor) -> None:
        """After training: fit the method's post-hoc parts and the seen
        expert on the training rows ``features [N, C]``, ``labels [N]``."""
        self.check_train_labels(labels)
        gen = torch.Generator(device=features.device).manual_seed(self.seed)
        torch.manual_seed(self.seed)
        with torch.enable_grad():
            self.finalize_method(features, labels)
            nn.init.zeros_(self.seen_expert.weight)
            nn.init.zeros_(self.seen_expert.bias)
            fit_classifier(self.seen_expert, features, labels, self.fit_seen,
                           self.seen_expert_cfg['epochs'],
                           self.seen_expert_cfg['lr'], generator=gen)
        self.fitted.fill_(True)

    # --------------------------------------------------------- prediction
    @abstractmethod
    def class_scores(self, features: Tensor,
                     frames: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Scores of every class, ``[B, L]`` each: ``gzsl`` (higher is
        likelier, comparable across seen and unseen classes) and/or ``zsl``
        (probabilities of the method's own zero-shot classifier over
        ``fit_unseen``). A head with no ``gzsl`` gets the expert stack of
        :meth:`expert_scores`."""

    def seen_logits(self, features: Tensor) -> Tensor:
        """``[B, L]`` seen-expert logits, ``-inf`` outside ``fit_seen``."""
        return masked_logits(self.seen_expert(features), self.fit_seen)

    def zsl_prob(self, scores: Dict[str, Tensor]) -> Tensor:
        """``[B, L]`` zero-shot probabilities over ``fit_unseen`` (0 on the
        other columns): the method's own, or a softmax of its GZSL scores
        over the unseen columns."""
        if 'zsl' in scores:
            prob = scores['zsl']
        else:
            prob = F.softmax(masked_logits(scores['gzsl'], self.fit_unseen),
                             dim=1)
        return prob.masked_fill(~self.fit_unseen, 0.0)

    def expert_scores(self, features: Tensor, zsl_prob: Tensor) -> Tensor:
        """Two experts side by side, ``[B, L]``: the seen expert's softmax on
        the ``fit_seen`` columns, the zero-shot probabilities on the
        ``fit_unseen`` ones (a sample goes to the side with the larger top
        probability; calibrated stacking moves that boundary)."""
        seen = F.softmax(self.seen_logits(features), dim=1)
        return torch.where(self.fit_seen, seen, zsl_prob)

    def outputs(self, features: Tensor,
                frames: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Everything prediction and calibration need, ``[B, L]`` each:
        ``gzsl``, ``zsl_prob``, ``seen_logits``."""
        scores = self.class_scores(features, frames)
        zsl_prob = self.zsl_prob(scores)
        gzsl = scores.get('gzsl')
        if gzsl is None:
            gzsl = self.expert_scores(features, zsl_prob)
        return dict(gzsl=gzsl, zsl_prob=zsl_prob,
                    seen_logits=self.seen_logits(features),
                    has_zsl=torch.tensor('zsl' in scores))

    def set_calibration(self, gamma: float,
                        gate: Optional[ConfidenceGate] = None) -> None:
        """Store the calibration fold's gamma (and gate)."""
        self.calib_gamma.fill_(float(gamma))
        if self.gate is not None:
            self.gate.load_from(gate)
        self.calibrated.fill_(True)

    def gated_scores(self, out: Dict[str, Tensor]) -> Optional[Tensor]:
        """``[B, L]``: the expert the gate picks, its probabilities on its
        own classes and 0 elsewhere; None without a fitted gate."""
        if self.gate is None or not bool(self.gate.fitted):
            return None
        unseen = self.gate.is_unseen(out['zsl_prob'][:, self.fit_unseen],
                                     out['seen_logits'][:, self.fit_seen])
        seen_prob = F.softmax(out['seen_logits'], dim=1)
        return torch.where(unseen[:, None], out['zsl_prob'], seen_prob)

    @torch.no_grad()
    def predict(self, inputs: Inputs, data_samples: Optional[List] = None
                ) -> List:
        """Per sample: ``pred_score`` (GZSL), ``zsl_score`` (when the
        method has its own zero-shot classifier), ``cs_score`` (after
        calibration) and ``gate_score`` (with a fitted gate), ``[L]`` each."""
        if not bool(self.fitted):
            raise RuntimeError(f'{type(self).__name__} is not fitted: train '
                               'it with ZSLTrainLoop (tools/train.py) or call '
                               'finalize() before predicting')
        out = self.outputs(inputs['feature'], inputs.get('frames'))
        gzsl = out['gzsl']
        cs = gzsl - self.calib_gamma * self.fit_seen.to(gzsl.dtype) \
            if bool(self.calibrated) else None
        gated = self.gated_scores(out)
        if data_samples is None:
            from mmengine.structures import BaseDataElement
            data_samples = [BaseDataElement() for _ in range(len(gzsl))]
        for i, sample in enumerate(data_samples):
            if hasattr(sample, 'set_pred_score'):
                sample.set_pred_score(gzsl[i])
            else:
                sample.pred_score = gzsl[i]
            if bool(out['has_zsl']):
                sample.zsl_score = out['zsl_prob'][i]
            if cs is not None:
                sample.cs_score = cs[i]
            if gated is not None:
                sample.gate_score = gated[i]
        return data_samples

    def forward(self, inputs: Inputs, data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], List,
                                                Tensor]:
        """mmaction2's three-mode contract; ``tensor`` gives ``[B, L]`` GZSL
        scores."""
        if mode == 'loss':
            labels = self.gt_labels(data_samples)
            self.check_train_labels(labels)
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.outputs(inputs['feature'], inputs.get('frames'))['gzsl']
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')
