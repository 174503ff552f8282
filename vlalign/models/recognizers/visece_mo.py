"""ViseceMo: Visece with momentum encoders and feature queues."""
import copy
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Tuple

import torch
from mmaction.utils import SampleList
from mmengine.logging import print_log
from torch import Tensor, nn
# The context manager behind the public ``torch.func.functional_call``; the
# public function only runs ``forward``, the momentum pass needs the
# recognizer's own feature methods.
from torch.nn.utils.stateless import _reparametrize_module

from vlalign.models.layers.feature_queue import FeatureQueue
# Imported for its registration in LOSSES (the default loss below).
from vlalign.models.losses.momentum_distill import MomentumDistillLoss  # noqa: F401
from vlalign.registry import MODELS
from vlalign.utils.dist import gather_no_grad, get_rank
from .visece import Visece


def momentum_copy(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` whose parameters are turned into buffers.

    Buffers are saved in ``state_dict`` and follow ``.to()``, but are never
    parameters: no optimizer, DDP reducer or ``requires_grad_(True)`` can
    reach them. Parameters shared inside ``module`` stay shared.
    """
    clone = copy.deepcopy(module)
    converted: Dict[int, Tensor] = {}
    for sub in clone.modules():
        for name, param in list(sub._parameters.items()):
            if param is None:
                continue
            del sub._parameters[name]
            sub.register_buffer(
                name, converted.setdefault(id(param), param.detach()))
    return clone


@MODELS.register_module()
class ViseceMo(Visece):
    """Visece with momentum (EMA) encoders and feature queues (ALBEF, MoCo).

    The video and text encoders (and embedders, when configured) have
    momentum copies ``theta_m``, updated once per training step, before the
    momentum features are computed, as
    ``theta_m = m * theta_m + (1 - m) * theta``. The copies hold their weights
    as buffers (see :func:`momentum_copy`): they are saved in checkpoints
    but are not parameters, so optimizers never see them. The momentum
    features are computed by running the online modules with the momentum
    tensors swapped in, so any encoder (and any subclass' feature code)
    works unchanged. An encoder with no trainable parameters (e.g. a frozen
    text encoder) is its own EMA and gets no copy.

    The loss (:class:`MomentumDistillLoss`) scores each clip ``v`` against
    the momentum text features of the global batch followed by a queue of
    ``Q`` earlier ones, ``s * v @ [t_m; queue_t]^T`` (likewise ``t`` against
    ``[v_m; queue_v]``), with targets
    ``alpha * softmax(s * v_m @ [t_m; queue_t]^T) + (1 - alpha) * y_gt``,
    ``y_gt`` spread over every same-class entry of the batch and the queue.
    After the loss, the momentum features and labels of the global batch
    (gathered across ranks first) are enqueued, so every rank holds the same
    queue. Prediction is Visece's, with the online model.

    Args:
        momentum (float): EMA coefficient ``m``. Defaults to ``0.995``.
        queue_size (int): Queue length ``Q``. Defaults to ``4096``.
        alpha (float): Weight of the momentum similarities in the targets.
            Defaults to ``0.4``.
        alpha_warmup_iters (int): Ramp ``alpha`` linearly from 0 over this
            many training steps (ALBEF ramps over the first epoch); ``0``
            disables the ramp. Defaults to ``0``.
        embed_dims (int, optional): Width of the queued embeddings.
            Defaults to the text embedder's ``out_features``/``out_channels``,
            or the text encoder's ``out_channels`` without an embedder.
        loss (dict, optional): Loss config. Defaults to
            ``dict(type='MomentumDistillLoss')``.
        **kwargs: See :class:`Visece`.
    """

    #: Attributes holding the online modules that get a momentum copy
    #: (absent or ``None`` ones are skipped); subclasses with heads that
    #: shape the aligned features add theirs.
    momentum_module_names: Tuple[str, ...] = (
        'video_encoder', 'video_embedder', 'text_encoder', 'text_embedder')

    def __init__(self,
                 momentum: float = 0.995,
                 queue_size: int = 4096,
                 alpha: float = 0.4,
                 alpha_warmup_iters: int = 0,
                 embed_dims: Optional[int] = None,
                 loss: Optional[Dict] = None,
                 **kwargs) -> None:
        super().__init__(loss=loss or dict(type='MomentumDistillLoss'),
                         **kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f'momentum must lie in [0, 1], got {momentum}')
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must lie in [0, 1], got {alpha}')
        self.momentum = momentum
        self.alpha = alpha
        self.alpha_warmup_iters = alpha_warmup_iters
        online = {name: getattr(self, name, None)
                  for name in self.momentum_module_names}
        self.momentum_encoders = nn.ModuleDict({
            name: momentum_copy(module) for name, module in online.items()
            if module is not None
            and any(p.requires_grad for p in module.parameters())
        })
        dims = embed_dims or self._text_embed_width()
        self.queue = FeatureQueue(queue_size, dict(video=dims, text=dims))
        # Counts training steps for the alpha ramp; a buffer so that a
        # resumed run continues the ramp.
        self.register_buffer('num_train_steps',
                             torch.zeros((), dtype=torch.long))

    def _text_embed_width(self) -> int:
        """Width of the aligned embeddings, read off the text path."""
        if self.text_embedder is None:
            return self.text_encoder.out_channels
        for attr in ('out_features', 'out_channels'):
            if isinstance(getattr(self.text_embedder, attr, None), int):
                return getattr(self.text_embedder, attr)
        raise ValueError(f'cannot tell the output width of the text embedder '
                         f'{type(self.text_embedder).__name__}: give '
                         'ViseceMo embed_dims')

    # ------------------------------------------------------------ momentum
    def init_weights(self) -> None:
        super().init_weights()
        self.reset_momentum()

    @torch.no_grad()
    def reset_momentum(self) -> None:
        """Copy the online weights and buffers into the momentum copies."""
        for name, momentum_module in self.momentum_encoders.items():
            momentum_module.load_state_dict(getattr(self, name).state_dict())

    @torch.no_grad()
    def momentum_update(self) -> None:
        """``theta_m = m * theta_m + (1 - m) * theta`` for every parameter of
        every momentum copy."""
        m = self.momentum
        for name, momentum_module in self.momentum_encoders.items():
            for key, param in getattr(self, name).named_parameters():
                momentum_module.get_buffer(key).mul_(m).add_(
                    param.detach(), alpha=1.0 - m)

    @contextmanager
    def momentum_weights(self) -> Iterator[None]:
        """Within the context the online modules compute with the momentum
        weights and buffers (BatchNorm statistics update the copies')."""
        tensors = {
            f'{name}.{key}': value
            for name, momentum_module in self.momentum_encoders.items()
            for key, value in momentum_module.named_buffers(
                remove_duplicate=False)
        }
        with _reparametrize_module(self, tensors):
            yield

    def momentum_text_embeddings(self, labels: Tensor, text: Tensor) -> Tensor:
        """Momentum text embeddings ``[B, C]`` of the labels' class texts.

        Call within :meth:`momentum_weights`. A text path without momentum
        copies is frozen (its own EMA), so its online embeddings ``text``
        ``[B, C]`` are reused. This bypasses :meth:`label_text_embeddings`,
        whose frozen-path test reads ``requires_grad`` (false for the
        swapped-in momentum tensors) and whose class cache must only ever
        hold online embeddings.
        """
        copied = {id(getattr(self, name)) for name in self.momentum_encoders}
        if not any(id(m) in copied for m in self.text_modules()):
            return text.detach()
        uniq, inverse = labels.unique(return_inverse=True)
        names = [self.class_texts[i] for i in uniq.tolist()]
        return self.encode_class_texts(names)[inverse]

    def current_alpha(self) -> Tensor:
        """``alpha``, ramped over ``alpha_warmup_iters`` steps (0-d)."""
        if self.alpha_warmup_iters <= 0:
            return torch.tensor(self.alpha, device=self.num_train_steps.device)
        ramp = self.num_train_steps.float() / self.alpha_warmup_iters
        return self.alpha * ramp.clamp(max=1.0)

    def _load_from_state_dict(self, state_dict: Dict, prefix: str,
                              *args, **kwargs) -> None:
        # A checkpoint without momentum copies (e.g. a Visece one given as
        # load_from) starts them from its online weights.
        for name in self.momentum_encoders:
            target = f'{prefix}momentum_encoders.{name}.'
            if any(k.startswith(target) for k in state_dict):
                continue
            source = f'{prefix}{name}.'
            filled = {target + k[len(source):]: v
                      for k, v in state_dict.items() if k.startswith(source)}
            if filled:
                state_dict.update(filled)
                print_log(f'momentum copy of {name} initialised from the '
                          'online weights of the checkpoint', logger='current')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ---------------------------------------------------------------- loss
    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        frame_feats, num_clips = self.extract_feat(inputs)
        labels = self.gt_labels(data_samples).repeat_interleave(num_clips)
        video = self.embed_video(frame_feats)
        text = self.label_text_embeddings(labels)

        with torch.no_grad():
            if self.training:
                self.momentum_update()
            with self.momentum_weights():
                video_m = self.embed_video(self.extract_feat(inputs)[0])
                text_m = self.momentum_text_embeddings(labels, text)
        video_m_all = gather_no_grad(video_m)
        text_m_all = gather_no_grad(text_m)
        labels_all = gather_no_grad(labels)

        alpha = self.current_alpha()
        losses = self.loss_align(
            video, text, video_m, text_m,
            video_bank=torch.cat([video_m_all, self.queue.get('video')]),
            text_bank=torch.cat([text_m_all, self.queue.get('text')]),
            logit_scale=self.logit_scale(),
            labels=labels,
            bank_labels=torch.cat([labels_all, self.queue.labels]),
            offset=get_rank() * video.shape[0],
            alpha=alpha)
        if self.training:
            # Identical gathered tensors on every rank -> identical queues.
            self.queue.push(labels_all, video=video_m_all, text=text_m_all)
            self.num_train_steps.add_(1)
        losses['logit_scale'] = self.logit_scale().detach()
        losses['alpha'] = alpha
        return losses
