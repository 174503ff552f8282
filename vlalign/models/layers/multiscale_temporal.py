"""Multi-scale temporal modelling: local self-attention at several window
sizes, fused."""
from typing import Optional, Sequence

import torch
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS
from .cross_task_attention import feed_forward


def local_attention_mask(length: int, window: int,
                         device: Optional[torch.device] = None) -> Tensor:
    """Mask of a sliding window of ``window`` frames around each frame.

    Frame ``i`` may attend to frame ``j`` when ``-window//2 <= j - i <
    window - window//2`` (``window`` frames, the frame itself included).

    Args:
        length (int): Frames ``T``.
        window (int): Window size ``w >= 1``.
        device (torch.device, optional): Defaults to ``None``.

    Returns:
        Tensor: bool ``[T, T]``, ``True`` where attention is NOT allowed
        (``nn.MultiheadAttention``'s convention).
    """
    pos = torch.arange(length, device=device)
    offset = pos[None, :] - pos[:, None]  # j - i
    half = window // 2
    return (offset < -half) | (offset >= window - half)


@MODELS.register_module()
class MultiScaleTemporalBlock(BaseModule):
    """Local self-attention at several temporal windows, fused, plus an FFN.

    Each window ``w`` in ``windows`` has its own attention restricted to the
    ``w`` frames around each frame (short windows see the motion of a hand,
    long ones the whole action); the outputs are concatenated and projected
    back to ``C``::

        x' = x + DropPath(Linear(concat_w LocalAttn_w(LN(x))))
        x'' = x' + DropPath(FFN(x'))

    Args:
        dim (int): Channels ``C``.
        windows (Sequence[int]): Window sizes. Defaults to ``(4, 8, 16)``.
        num_heads (int): Heads of each attention. Defaults to ``4``.
        dropout (float): Attention and FFN dropout. Defaults to ``0.``.
        drop_path (float): Stochastic depth. Defaults to ``0.``.
        ffn_ratio (float): FFN hidden width / ``dim``. Defaults to ``2.``.
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self,
                 dim: int,
                 windows: Sequence[int] = (4, 8, 16),
                 num_heads: int = 4,
                 dropout: float = 0.,
                 drop_path: float = 0.,
                 ffn_ratio: float = 2.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not windows or min(windows) < 1:
            raise ValueError(f'windows must be positive sizes, got {windows}')
        self.windows = tuple(int(w) for w in windows)
        self.norm = nn.LayerNorm(dim)
        self.attns = nn.ModuleList(
            nn.MultiheadAttention(dim, num_heads, dropout=dropout,
                                  batch_first=True) for _ in self.windows)
        self.fuse = nn.Linear(dim * len(self.windows), dim)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.ffn = feed_forward(dim, ffn_ratio, dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Args:
            x (Tensor): ``[B, T, C]``.

        Returns:
            Tensor: ``[B, T, C]``.
        """
        h = self.norm(x)
        outs = []
        for window, attn in zip(self.windows, self.attns):
            mask = local_attention_mask(x.shape[1], window, x.device)
            outs.append(attn(h, h, h, attn_mask=mask, need_weights=False)[0])
        x = x + self.drop_path(self.fuse(torch.cat(outs, dim=-1)))
        return x + self.drop_path(self.ffn(x))
