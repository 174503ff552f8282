"""A recognizer registered from outside vlalign through ``custom_imports``."""
import torch.nn.functional as F
from torch import Tensor

from vlalign.models.recognizers import Visece
from vlalign.registry import MODELS


@MODELS.register_module()
class MaxPoolVisece(Visece):
    """Visece with temporal max pooling instead of the mean.

    ``v = norm(max_t f_t)`` for frame features ``f: [B, T, C]``: a clip is
    described by its most active frame per channel, which suits short,
    peaky actions. Everything else (loss, prediction, class texts) is
    inherited.
    """

    def embed_video(self, frame_feats: Tensor) -> Tensor:
        return F.normalize(frame_feats.amax(dim=1), dim=-1)
