"""mmaction2's ST-GCN / ST-GCN++ on any vlalign skeleton layout."""
from typing import Dict

from mmaction.models.backbones import STGCN

from vlalign.registry import MODELS
from vlalign.structures.skeleton_layouts import resolve_graph_cfg


@MODELS.register_module()
class LayoutSTGCN(STGCN):
    """mmaction2's ``STGCN`` whose ``graph_cfg.layout`` may be any layout of
    :mod:`vlalign.structures.skeleton_layouts`: a name (``'kinect_v1_20'``,
    ``'penn13'``, ...) or a ``joints``/``parents`` dict, so a recipe built on
    mmaction2's own ``RecognizerGCN`` names its layout once, in the data
    config (``graph_cfg=dict(layout=_base_.layout)``), as the vlalign
    recognizers do through :class:`ViseceVideoEncoder`.

    The weights are exactly ``STGCN``'s (same modules, same state-dict
    keys). Input ``[N, M, T, V, C]``; output ``[N, M, C', T', V]``.

    Args:
        graph_cfg (dict): ``dict(layout=..., mode='spatial')``.
        **kwargs: See mmaction2's ``STGCN``.
    """

    def __init__(self, graph_cfg: Dict, **kwargs) -> None:
        graph_cfg = resolve_graph_cfg(dict(graph_cfg=graph_cfg))['graph_cfg']
        super().__init__(graph_cfg=graph_cfg, **kwargs)
