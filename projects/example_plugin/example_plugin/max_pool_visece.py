"""Temporal max pooling for Visece, registered from outside vlalign."""
from vlalign.models.recognizers import Visece
from vlalign.registry import MODELS


@MODELS.register_module()
class MaxPoolVisece(Visece):
    """Visece whose clip feature is the max over frames of each channel.

    Suits short, peaky actions: a clip is described by its most active
    frame per channel. The video/text embedders, loss, prediction and class
    texts are :class:`Visece`'s; only :meth:`pool_frames` changes.
    """

    def pool_frames(self, frame_feats):  # [B, T, C] -> [B, C]
        return frame_feats.amax(dim=1)
