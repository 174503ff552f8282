"""PACL's residual embedder: frame features into the text space."""
from typing import Dict, Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS


@MODELS.register_module()
class PACLEmbedder(BaseModule):
    """Residual block ``y = main(x) + shortcut(x)`` applied to each frame.

    ``main`` is ``Linear -> ReLU -> Linear`` and ``shortcut`` a single
    ``Linear``, as in PACL's vision embedder (original sizes 512 -> 256). In
    :class:`VisecePACL` it maps the video encoder's per-frame features into
    the text space, so ``out_channels`` must equal the text width (768 for
    BERT-base); the text side stays as the text encoder gives it, unless a
    text projection is configured there.

    Args:
        in_channels (int): Input width. Defaults to ``512``.
        out_channels (int): Output width. Defaults to ``256``.
        hidden_channels (int, optional): Width between the two main-branch
            layers. Defaults to ``out_channels``.
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self,
                 in_channels: int = 512,
                 out_channels: int = 256,
                 hidden_channels: Optional[int] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden_channels = hidden_channels or out_channels
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.main = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, out_channels))
        self.shortcut = nn.Linear(in_channels, out_channels)

    def forward(self, x: Tensor) -> Tensor:
        """Embed ``[..., in_channels]`` (e.g. ``[B, T, 512]``) to
        ``[..., out_channels]``."""
        return self.main(x) + self.shortcut(x)
