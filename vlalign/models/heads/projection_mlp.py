"""An MLP projecting precomputed features into a shared embedding space."""
from typing import Dict, Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS


@MODELS.register_module()
class ProjectionMLP(BaseModule):
    """``Linear -> ReLU (-> Dropout) -> ... -> Linear`` on the last axis.

    With ``num_layers=1`` it is a single ``Linear``. Used by
    :class:`~vlalign.models.recognizers.FeatureCLIP` for both the visual
    (e.g. Omnivore 1536-d) and the text (e.g. mpnet 768-d) side.

    Args:
        in_channels (int): Input width.
        out_channels (int): Output width (the shared space).
        hidden_channels (int, optional): Width of the hidden layers.
            Defaults to ``out_channels``.
        num_layers (int): Linear layers. Defaults to ``2``.
        dropout (float): Dropout after each hidden activation. Defaults to
            ``0.0``.
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 hidden_channels: Optional[int] = None, num_layers: int = 2,
                 dropout: float = 0.0,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        hidden_channels = hidden_channels or out_channels
        self.in_channels = in_channels
        self.out_channels = out_channels
        layers = []
        width = in_channels
        for _ in range(num_layers - 1):
            layers += [nn.Linear(width, hidden_channels),
                       nn.ReLU(inplace=True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden_channels
        layers.append(nn.Linear(width, out_channels))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """Project ``[..., in_channels]`` to ``[..., out_channels]``."""
        return self.mlp(x)
