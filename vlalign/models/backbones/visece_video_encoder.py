"""Per-frame video features from any mmaction2 skeleton backbone."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS
from vlalign.structures.skeleton_layouts import resolve_graph_cfg
from vlalign.utils.errors import ConfigError

# PoseC3D's SlowOnly as the original Visece experiments used it.
POSEC3D_SLOWONLY = dict(
    type='ResNet3dSlowOnly', depth=50, pretrained=None, in_channels=17,
    base_channels=32, num_stages=3, out_indices=(2, ), stage_blocks=(4, 6, 3),
    conv1_stride_s=1, pool1_stride_s=1, inflate=(0, 1, 1),
    spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 2), dilations=(1, 1, 1))


@MODELS.register_module()
class ViseceVideoEncoder(BaseModule):
    """Wrap a skeleton backbone and return per-frame features ``[B, T, C]``.

    The alignment recognizers only see ``[B, T, C]``, so any backbone works:

    - ``layout='NCTHW'`` (PoseC3D's SlowOnly on heatmaps): the backbone gives
      ``[B, 512, T, H, W]``; each (channel, frame) is averaged over space, as
      the original ``reshape [B, C*T, H, W] -> AdaptiveAvgPool2d`` did,
      giving ``[B, T, 512]``.
    - ``layout='NMCTV'`` (mmaction2's ST-GCN / ST-GCN++ on joints): the
      backbone gives ``[B, M, C, T, V]``, averaged over persons and joints.

    Then ``Linear(in_channels, out_channels)`` maps each frame into the text
    space (``[B, T, 768]`` for BERT-base); ``out_channels=None`` drops it
    (the PACL variant, whose embedder follows).

    Args:
        backbone (dict): mmaction2/vlalign backbone config. Defaults to
            PoseC3D's SlowOnly. A graph backbone's ``graph_cfg.layout`` may
            be any layout :func:`vlalign.structures.get_layout` accepts (a
            name such as ``'penn13'`` or a dict ``joints=[...],
            parents=[...]``) besides mmaction2's own; recipes set it from
            the data config's ``layout``.
        layout (str): Backbone output layout, ``'NCTHW'`` or ``'NMCTV'``.
            Defaults to ``'NCTHW'``.
        in_channels (int): Backbone output channels. Defaults to ``512``.
        out_channels (int, optional): Projection width. Defaults to ``768``.
        dropout (float): Dropout before the projection. Defaults to ``0``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: Dict = POSEC3D_SLOWONLY,
                 layout: str = 'NCTHW',
                 in_channels: int = 512,
                 out_channels: Optional[int] = 768,
                 dropout: float = 0.0,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if layout not in ('NCTHW', 'NMCTV'):
            raise ValueError(f'layout must be "NCTHW" or "NMCTV", got "{layout}"')
        # Graph backbones may take a vlalign layout (a name or a dict).
        self.backbone = MODELS.build(resolve_graph_cfg(backbone))
        self.layout = layout
        self.in_channels = in_channels
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.proj = (nn.Linear(in_channels, out_channels)
                     if out_channels is not None else None)
        self.out_channels = out_channels or in_channels

    def frame_features(self, x: Tensor) -> Tensor:
        """Backbone features pooled to ``[B, T', in_channels]``.

        Args:
            x (Tensor): ``[B, K, T, H, W]`` heatmaps (NCTHW) or
                ``[B, M, T, V, C]`` joints (NMCTV).
        """
        graph = getattr(self.backbone, 'graph', None)
        num_node = getattr(graph, 'num_node', None)
        if self.layout == 'NMCTV' and num_node is not None \
                and x.shape[-2] != num_node:
            raise ConfigError(
                f'inputs {tuple(x.shape)} have {x.shape[-2]} joints, the '
                f'graph of {type(self.backbone).__name__} has {num_node}: '
                'the backbone\'s graph_cfg.layout is not the layout of the '
                'data (set it from the data config, graph_cfg=dict('
                'layout=_base_.layout))')
        feat = self.backbone(x)
        if isinstance(feat, (tuple, list)):
            feat = feat[-1]
        if feat.dim() != 5:
            raise RuntimeError(f'{type(self.backbone).__name__} returned shape '
                               f'{tuple(feat.shape)}, expected a 5-D tensor '
                               f'in layout {self.layout}')
        if self.layout == 'NCTHW':
            feat = feat.mean(dim=(3, 4))  # [B, C, T]
        else:
            feat = feat.mean(dim=(1, 4))  # [B, C, T]
        if feat.shape[1] != self.in_channels:
            raise RuntimeError(f'backbone gives {feat.shape[1]} channels, '
                               f'config says in_channels={self.in_channels}')
        return feat.transpose(1, 2).contiguous()

    def forward(self, x: Tensor) -> Tensor:
        """Per-frame features ``[B, T', out_channels]``."""
        feat = self.frame_features(x)
        if self.proj is not None:
            feat = self.proj(self.dropout(feat))
        return feat
