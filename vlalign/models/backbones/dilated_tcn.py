"""A stack of dilated temporal convolutions over per-frame features."""
from typing import Optional, Sequence

from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS


@MODELS.register_module()
class DilatedTCN(BaseModule):
    """Dilated 1-D convolutions, one per width step, with padding masked.

    Layer ``i`` is ``Conv1d(dims[i], dims[i+1], kernel_size,
    dilation=dilations[i], 'same' padding) -> ReLU -> Dropout``. After every
    layer the padded frames are set to zero again, so a padded video gives
    exactly the outputs it gives alone (the convolution sees zeros past its
    end either way).

    Args:
        in_channels (int): Input feature width ``D``. Defaults to ``768``
            (VideoMAE).
        channels (Sequence[int]): Output width of each layer. Defaults to
            ``(512, 128, 64)``.
        dilations (Sequence[int]): Dilation of each layer. Defaults to
            ``(1, 2, 4)``.
        kernel_size (int): Odd kernel size. Defaults to ``3``.
        dropout (float): Dropout after each layer. Defaults to ``0.1``.
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self,
                 in_channels: int = 768,
                 channels: Sequence[int] = (512, 128, 64),
                 dilations: Sequence[int] = (1, 2, 4),
                 kernel_size: int = 3,
                 dropout: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(channels) != len(dilations) or not channels:
            raise ValueError(f'channels {tuple(channels)} and dilations '
                             f'{tuple(dilations)} need the same, non-zero '
                             f'length')
        if kernel_size % 2 != 1:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        dims = [in_channels, *channels]
        self.layers = nn.ModuleList(
            nn.Conv1d(dims[i], dims[i + 1], kernel_size, dilation=d,
                      padding=d * (kernel_size - 1) // 2)
            for i, d in enumerate(dilations))
        self.act = nn.ReLU(inplace=True)
        self.drop = nn.Dropout(dropout)
        self.in_channels = in_channels
        self.out_channels = dims[-1]
        self.receptive_field = 1 + (kernel_size - 1) * sum(dilations)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """Args:
            x (Tensor): Features ``[B, T, D]``.
            mask (Tensor, optional): ``[B, T]``, True on real frames.
                Defaults to ``None`` (all real).

        Returns:
            Tensor: ``[B, T, C]``, zero on padded frames.
        """
        if x.dim() != 3 or x.shape[-1] != self.in_channels:
            raise ValueError(f'DilatedTCN expects [B, T, {self.in_channels}]'
                             f', got {tuple(x.shape)}')
        m = None if mask is None else mask.unsqueeze(1).to(x.dtype)  # [B,1,T]
        h = x.transpose(1, 2)  # [B, D, T]
        if m is not None:
            h = h * m
        for conv in self.layers:
            h = self.drop(self.act(conv(h)))
            if m is not None:
                h = h * m
        return h.transpose(1, 2).contiguous()
