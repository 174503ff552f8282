"""MLP projecting per-frame features into a text embedding space."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS


@MODELS.register_module()
class SemanticProjector(BaseModule):
    """An MLP applied frame by frame, the original semantic TCN projector.

    ``Linear -> LayerNorm -> ReLU -> Dropout -> Linear -> LayerNorm ->
    Dropout`` (the original experiments' module list). With
    ``final_norm=False`` the last LayerNorm and Dropout are left out
    (``... -> Linear``), as vlalign's first version had it.

    Args:
        in_channels (int): Input width. Defaults to ``64``.
        hidden_channels (int): Hidden width. Defaults to ``512``.
        out_channels (int): Output width, the text embedding's (MiniLM: 384).
            Defaults to ``384``.
        dropout (float): Probability of both Dropout layers. Defaults to
            ``0.1``.
        final_norm (bool): End with ``LayerNorm -> Dropout`` after the last
            Linear, as the original. Defaults to ``True``.
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self,
                 in_channels: int = 64,
                 hidden_channels: int = 512,
                 out_channels: int = 384,
                 dropout: float = 0.1,
                 final_norm: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        layers = [nn.Linear(in_channels, hidden_channels),
                  nn.LayerNorm(hidden_channels), nn.ReLU(inplace=True),
                  nn.Dropout(dropout), nn.Linear(hidden_channels, out_channels)]
        if final_norm:
            layers += [nn.LayerNorm(out_channels), nn.Dropout(dropout)]
        self.net = nn.Sequential(*layers)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.final_norm = final_norm

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, in_channels]`` -> ``[B, T, out_channels]``."""
        return self.net(x)
