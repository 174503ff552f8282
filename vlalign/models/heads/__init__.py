from . import linear  # noqa: F401  (registers nn.Linear as 'Linear')
from .itm_head import ITMHead
from .pacl_embedder import PACLEmbedder

__all__ = ['ITMHead', 'PACLEmbedder']
