"""Verb/noun multi-task recognition from per-frame features, with
cross-task attention (EPIC-KITCHENS style)."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmaction.utils import OptSampleList, SampleList
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModel
from torch import Tensor, nn

from vlalign.registry import MODELS
from vlalign.utils.errors import DataError
from ..layers.cross_task_attention import CrossTaskAttention, feed_forward
from ..layers.multiscale_temporal import MultiScaleTemporalBlock


class _BranchBlock(nn.Module):
    """A task branch's own per-frame residual MLP: ``x + DropPath(FFN(x))``."""

    def __init__(self, dim: int, ffn_ratio: float, dropout: float,
                 drop_path: float) -> None:
        super().__init__()
        self.ffn = feed_forward(dim, ffn_ratio, dropout)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return x + self.drop_path(self.ffn(x))


@MODELS.register_module()
class VerbNounRecognizer(BaseModel):
    """Verb and noun recognition with a shared encoder and cross-task
    attention.

    Per-frame features ``[B, T, D]`` go through::

        Linear(D, C) + position embedding           shared temporal encoder
        MultiScaleTemporalBlock(windows 4, 8, 16) x num_shared_blocks
        verb branch: _BranchBlock x num_branch_blocks   (own weights)
        noun branch: _BranchBlock x num_branch_blocks   (own weights)
        CrossTaskAttention x num_cross_blocks       verb <-> noun
        mean over T -> LayerNorm -> VerbNounHead

    Follows mmaction2's contract ``forward(inputs, data_samples, mode)``.
    Data samples carry ``gt_verb`` / ``gt_noun`` (see
    :class:`~vlalign.datasets.transforms.PackVerbNounInputs`); predictions
    set ``pred_verb_score`` ``[Lv]`` and ``pred_noun_score`` ``[Ln]``
    (softmax probabilities), which :class:`~vlalign.evaluation.VerbNounMetric`
    reads.

    Args:
        in_channels (int): Feature dimension ``D``.
        cls_head (dict): Config of a :class:`VerbNounHead` (its
            ``in_channels`` defaults to ``embed_dims``).
        embed_dims (int): Width ``C``. Defaults to ``256``.
        num_heads (int): Attention heads. Defaults to ``4``.
        windows (Sequence[int]): Multi-scale windows. Defaults to
            ``(4, 8, 16)``.
        num_shared_blocks (int): Shared multi-scale blocks. Defaults to ``1``.
        num_branch_blocks (int): Per-task blocks. Defaults to ``1``.
        num_cross_blocks (int): Cross-attention blocks; ``0`` makes the two
            branches independent (an ablation). Defaults to ``1``.
        max_frames (int): Longest ``T`` (position embedding). Defaults to
            ``64``.
        dropout (float): Dropout in attention, FFNs and on the input.
            Defaults to ``0.1``.
        drop_path (float): Stochastic depth, rising linearly from 0 to this
            over the blocks. Defaults to ``0.1``.
        ffn_ratio (float): FFN width / ``C``. Defaults to ``2.``.
        data_preprocessor (dict, optional): Defaults to mmaction2's
            ``ActionDataPreprocessor`` (stacks ``[T, D]`` into ``[B, T, D]``).
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self,
                 in_channels: int,
                 cls_head: Dict,
                 embed_dims: int = 256,
                 num_heads: int = 4,
                 windows: Sequence[int] = (4, 8, 16),
                 num_shared_blocks: int = 1,
                 num_branch_blocks: int = 1,
                 num_cross_blocks: int = 1,
                 max_frames: int = 64,
                 dropout: float = 0.1,
                 drop_path: float = 0.1,
                 ffn_ratio: float = 2.,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.in_channels = in_channels
        self.max_frames = max_frames
        self.input_proj = nn.Sequential(
            nn.Linear(in_channels, embed_dims), nn.LayerNorm(embed_dims),
            nn.Dropout(dropout))
        self.pos_embed = nn.Parameter(torch.zeros(1, max_frames, embed_dims))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        depth = num_shared_blocks + num_branch_blocks + num_cross_blocks
        rates = iter(torch.linspace(0, drop_path, max(depth, 1)).tolist())
        self.shared = nn.ModuleList(
            MultiScaleTemporalBlock(embed_dims, windows, num_heads, dropout,
                                    next(rates), ffn_ratio)
            for _ in range(num_shared_blocks))
        branch_rates = [next(rates) for _ in range(num_branch_blocks)]
        self.verb_branch = nn.ModuleList(
            _BranchBlock(embed_dims, ffn_ratio, dropout, r)
            for r in branch_rates)
        self.noun_branch = nn.ModuleList(
            _BranchBlock(embed_dims, ffn_ratio, dropout, r)
            for r in branch_rates)
        self.cross = nn.ModuleList(
            CrossTaskAttention(embed_dims, num_heads, dropout, next(rates),
                               ffn_ratio)
            for _ in range(num_cross_blocks))
        self.verb_norm = nn.LayerNorm(embed_dims)
        self.noun_norm = nn.LayerNorm(embed_dims)
        cls_head = dict(cls_head)
        cls_head.setdefault('in_channels', embed_dims)
        self.cls_head = MODELS.build(cls_head)

    # --------------------------------------------------------------- parts
    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Pooled verb and noun features.

        Args:
            inputs (Tensor): Per-frame features ``[B, T, D]``.

        Returns:
            tuple[Tensor, Tensor]: ``[B, C]`` each.
        """
        if inputs.ndim != 3 or inputs.shape[-1] != self.in_channels:
            raise DataError(
                f'{type(self).__name__} expects features [B, T, '
                f'{self.in_channels}], got {tuple(inputs.shape)}')
        if inputs.shape[1] > self.max_frames:
            raise DataError(f'{inputs.shape[1]} frames per segment, more than '
                            f'max_frames={self.max_frames}')
        x = self.input_proj(inputs) + self.pos_embed[:, :inputs.shape[1]]
        for block in self.shared:
            x = block(x)
        verb, noun = x, x
        for block in self.verb_branch:
            verb = block(verb)
        for block in self.noun_branch:
            noun = block(noun)
        for block in self.cross:
            verb, noun = block(verb, noun)
        return self.verb_norm(verb.mean(1)), self.noun_norm(noun.mean(1))

    @staticmethod
    def _labels(data_samples: SampleList, key: str) -> Tensor:
        return torch.cat([getattr(s, key).view(-1) for s in data_samples])

    # ------------------------------------------------------------- modes
    def loss(self, inputs: Tensor, data_samples: SampleList
             ) -> Dict[str, Tensor]:
        """Cross-entropy of verbs and nouns (and batch accuracies)."""
        verb_logits, noun_logits = self.cls_head(*self.extract_feat(inputs))
        verbs = self._labels(data_samples, 'gt_verb').to(inputs.device)
        nouns = self._labels(data_samples, 'gt_noun').to(inputs.device)
        if (verbs < 0).any() or (nouns < 0).any():
            raise DataError('training batch holds unlabelled segments '
                            '(verb_class/noun_class -1): train on labelled '
                            'files only')
        return self.cls_head.loss(verb_logits, noun_logits, verbs, nouns)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Set ``pred_verb_score`` ``[Lv]`` and ``pred_noun_score`` ``[Ln]``
        (softmax) on each data sample."""
        verb_logits, noun_logits = self.cls_head(*self.extract_feat(inputs))
        verb_scores = verb_logits.softmax(-1)
        noun_scores = noun_logits.softmax(-1)
        for sample, v, n in zip(data_samples, verb_scores, noun_scores):
            sample.pred_verb_score = v
            sample.pred_noun_score = n
        return data_samples

    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor'
                ) -> Union[Dict[str, Tensor], SampleList,
                           Tuple[Tensor, Tensor]]:
        """mmaction2's three modes.

        Args:
            inputs (Tensor): ``[B, T, D]``.
            data_samples (list, optional): With ``gt_verb`` / ``gt_noun`` for
                ``'loss'``.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'`` (verb and
                noun logits ``[B, Lv]``, ``[B, Ln]``). Defaults to
                ``'tensor'``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.cls_head(*self.extract_feat(inputs))
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')
