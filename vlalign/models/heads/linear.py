"""``torch.nn.Linear`` under the name ``Linear``, for projector configs such
as ``video_embedder=dict(type='Linear', in_features=768, out_features=256)``
(neither mmengine nor mmaction2 registers it)."""
from torch import nn

from vlalign.registry import MODELS

MODELS.register_module('Linear', module=nn.Linear)
