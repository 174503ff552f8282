"""Attention pooling over frames for Visece, registered from outside vlalign."""
from torch import nn

from vlalign.models.recognizers import Visece
from vlalign.registry import MODELS


@MODELS.register_module()
class AttentionPoolVisece(Visece):
    """Visece whose clip feature is an attention-weighted sum of frames.

    A learned query ``q: [C]`` scores every frame, ``a_t = <q, f_t>``; the
    clip feature is ``sum_t softmax_t(a)_t f_t``. ``C`` is
    :attr:`Visece.pool_channels`, so the pooling follows the embedder
    placement (``embed_frames``) by itself.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.frame_query = nn.Linear(self.pool_channels, 1, bias=False)

    def pool_frames(self, frame_feats):  # [B, T, C] -> [B, C]
        weights = self.frame_query(frame_feats).softmax(dim=1)  # [B, T, 1]
        return (weights * frame_feats).sum(dim=1)
