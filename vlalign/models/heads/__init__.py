from . import linear  # noqa: F401  (registers nn.Linear as 'Linear')
from .itm_head import ITMHead
from .pacl_embedder import PACLEmbedder
from .projection_mlp import ProjectionMLP
from .semantic_projector import SemanticProjector
from .verb_noun_head import VerbNounHead

__all__ = ['ITMHead', 'PACLEmbedder', 'ProjectionMLP', 'SemanticProjector',
           'VerbNounHead']
