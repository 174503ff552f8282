"""A video model over observed features, distilled from a text teacher."""
from typing import Dict, Mapping, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from vlalign.registry import LOSSES, MODELS
from .anticipation_base import BaseAnticipationModel


@MODELS.register_module()
class AnticipationStudent(BaseAnticipationModel):
    """Next action from the features observed before it, with distillation.

    Features ``[B, T, D]`` are projected to ``embed_dims``, given learned
    positions and a class token, and encoded by a small transformer; the
    class token feeds the action, verb and noun heads. Training adds to the
    cross entropy the distillation loss (``distill_loss``, by default
    :class:`~vlalign.models.losses.DistillationKLLoss`: KL at temperature
    ``T`` times ``T^2``, optionally on the teacher's top-K actions) between
    the action logits and the teacher's exported ``teacher_logits``, on the
    samples that have them.

    Args:
        in_channels (int): Feature width ``D``.
        num_actions (int): Action classes (the teacher's too).
        num_verbs (int): Verb classes.
        num_nouns (int): Noun classes.
        num_frames (int): Most observed steps ``T``. Defaults to ``16``.
        embed_dims (int): Transformer width. Defaults to ``128``.
        num_layers (int): Transformer layers. Defaults to ``2``.
        num_heads (int): Attention heads. Defaults to ``4``.
        distill_loss (dict, optional): Loss config from ``LOSSES``; ``None``
            trains without the teacher. Defaults to
            ``dict(type='DistillationKLLoss', temperature=2.0)``.
        feature_distill_weight (float): Weight of ``1 - cos`` between a
            projection of the student's feature and the teacher's
            ``lm_feature``; ``0`` disables it. Defaults to ``0.0``.
        lm_dim (int, optional): Width of ``lm_feature`` (needed when
            ``feature_distill_weight > 0``). Defaults to ``None``.
        **kwargs: :class:`BaseAnticipationModel` arguments.
    """

    def __init__(self, in_channels: int, num_actions: int, num_verbs: int,
                 num_nouns: int, num_frames: int = 16, embed_dims: int = 128,
                 num_layers: int = 2, num_heads: int = 4,
                 distill_loss: Optional[Dict] = dict(
                     type='DistillationKLLoss', temperature=2.0),
                 feature_distill_weight: float = 0.0,
                 lm_dim: Optional[int] = None, **kwargs) -> None:
        kwargs.setdefault('dropout', 0.1)
        super().__init__(embed_dims, num_actions, num_verbs, num_nouns,
                         **kwargs)
        self.num_frames = num_frames
        self.proj = nn.Linear(in_channels, embed_dims)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_frames + 1,
                                                  embed_dims))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        layer = nn.TransformerEncoderLayer(
            embed_dims, num_heads, dim_feedforward=2 * embed_dims,
            dropout=kwargs['dropout'], batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers,
                                             enable_nested_tensor=False)
        self.norm = nn.LayerNorm(embed_dims)
        self.distill_loss = (LOSSES.build(distill_loss)
                             if distill_loss is not None else None)
        self.feature_distill_weight = float(feature_distill_weight)
        if self.feature_distill_weight > 0:
            if lm_dim is None:
                raise ValueError('feature_distill_weight > 0 needs lm_dim')
            self.lm_proj = nn.Linear(embed_dims, lm_dim)

    def extract_feat(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Class-token features ``[B, E]`` of observed features ``[B, T, D]``
        (or a list of ``B`` tensors ``[T, D]``)."""
        if not isinstance(inputs, Tensor):
            inputs = torch.stack(list(inputs))
        b, t, _ = inputs.shape
        if t > self.num_frames:
            raise ValueError(f'{t} observed steps but the model has positions '
                             f'for {self.num_frames} (num_frames)')
        x = self.proj(inputs.float())
        x = torch.cat([self.cls_token.expand(b, -1, -1), x], dim=1)
        x = self.encoder(x + self.pos_embed[:, :t + 1])
        return self.norm(x[:, 0])

    @staticmethod
    def _teacher(data_samples: Sequence[BaseDataElement], key: str,
                 like: Tensor, width: int):
        """Stacked teacher field ``[B, width]`` and a ``[B]`` mask of the
        samples that have it (zeros elsewhere)."""
        rows, mask = [], []
        for s in data_samples:
            value = s.get(key)
            mask.append(value is not None)
            rows.append(value.reshape(-1).to(like) if value is not None
                        else like.new_zeros(width))
        return torch.stack(rows), like.new_tensor(mask, dtype=like.dtype)

    def extra_losses(self, feats: Tensor, logits: Mapping[str, Tensor],
                     data_samples: Sequence[BaseDataElement]
                     ) -> Dict[str, Tensor]:
        """``loss_distill`` (and ``loss_lm_feature``); zero, but present, for
        batches without teacher predictions so every rank logs the same
        keys."""
        losses = {}
        action = logits['action']
        if self.distill_loss is not None:
            teacher, mask = self._teacher(data_samples, 'teacher_logits',
                                          action, action.shape[1])
            if teacher.shape != action.shape:
                raise ValueError(f'teacher logits {tuple(teacher.shape)} vs '
                                 f'student {tuple(action.shape)}')
            losses['loss_distill'] = self.distill_loss(action, teacher,
                                                       weight=mask)
        if self.feature_distill_weight > 0:
            pred = self.lm_proj(feats)
            target, mask = self._teacher(data_samples, 'teacher_feature',
                                         pred, pred.shape[1])
            cos = F.cosine_similarity(pred, target, dim=-1)
            losses['loss_lm_feature'] = self.feature_distill_weight * (
                ((1 - cos) * mask).sum() / mask.sum().clamp(min=1))
        return losses
