"""Video-text matching head: text tokens cross-attend to video frames."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS


@MODELS.register_module()
class ITMHead(BaseModule):
    """Fuse text tokens with per-frame video features and classify the pair
    as match / no match (ALBEF's and VindLU's ITM head).

    transformers' ``BertModel`` only builds cross-attention with
    ``is_decoder=True``, which also makes its self-attention causal; an ITM
    fusion encoder must see the whole text, so the fusion layers are torch
    ``nn.TransformerDecoderLayer`` blocks used without a causal mask. Each
    block is BERT-style (post-norm, GELU):

    1. self-attention over the text tokens (padding masked),
    2. cross-attention from the text tokens to the projected video frames,
    3. a feed-forward network.

    The fused ``[CLS]`` token (position 0) goes through a 2-way linear
    classifier: logit 1 is "match".

    Shapes: text tokens ``[B, L, C_t]`` with mask ``[B, L]``, video frames
    ``[B, T, C_v]`` projected to ``[B, T, C_t]``, logits ``[B, 2]``.

    Args:
        text_channels (int): Width ``C_t`` of the text token features (the
            text encoder's hidden size).
        video_channels (int, optional): Width ``C_v`` of the frame features.
            Defaults to ``text_channels``.
        num_layers (int): Fusion blocks. Defaults to ``2``.
        num_heads (int): Attention heads; must divide ``text_channels``.
            Defaults to ``8``.
        ffn_channels (int, optional): Hidden width of the feed-forward
            network. Defaults to ``4 * text_channels``.
        dropout (float): Dropout in the fusion blocks. Defaults to ``0.1``.
        max_frames (int, optional): If given, a learnable temporal position
            embedding ``[max_frames, C_t]`` is added to the projected frames
            (cross-attention alone is blind to frame order). Defaults to
            ``None`` (no position embedding).
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self,
                 text_channels: int,
                 video_channels: Optional[int] = None,
                 num_layers: int = 2,
                 num_heads: int = 8,
                 ffn_channels: Optional[int] = None,
                 dropout: float = 0.1,
                 max_frames: Optional[int] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        if text_channels % num_heads:
            raise ValueError(f'num_heads={num_heads} does not divide '
                             f'text_channels={text_channels}')
        video_channels = video_channels or text_channels
        self.text_channels = text_channels
        self.video_channels = video_channels
        self.video_proj = nn.Sequential(
            nn.Linear(video_channels, text_channels), nn.LayerNorm(text_channels))
        self.frame_pos = (nn.Parameter(torch.zeros(max_frames, text_channels))
                          if max_frames else None)
        self.layers = nn.ModuleList(
            nn.TransformerDecoderLayer(
                d_model=text_channels, nhead=num_heads,
                dim_feedforward=ffn_channels or 4 * text_channels,
                dropout=dropout, activation='gelu', batch_first=True,
                norm_first=False) for _ in range(num_layers))
        self.cls = nn.Linear(text_channels, 2)

    def fuse(self, text_tokens: Tensor, attention_mask: Tensor,
             video_feats: Tensor, video_mask: Optional[Tensor] = None) -> Tensor:
        """Fused text tokens.

        Args:
            text_tokens (Tensor): ``[B, L, C_t]`` text encoder features.
            attention_mask (Tensor): ``[B, L]``, 1 for real tokens, 0 for
                padding.
            video_feats (Tensor): ``[B, T, C_v]`` per-frame video features.
            video_mask (Tensor, optional): ``[B, T]``, 1 for valid frames.
                Defaults to ``None`` (all frames valid).

        Returns:
            Tensor: ``[B, L, C_t]``.
        """
        memory = self.video_proj(video_feats)  # [B, T, C_t]
        if self.frame_pos is not None:
            num_frames = memory.shape[1]
            if num_frames > self.frame_pos.shape[0]:
                raise ValueError(f'{num_frames} frames but max_frames='
                                 f'{self.frame_pos.shape[0]}')
            memory = memory + self.frame_pos[:num_frames]
        # torch masks are True where a position is ignored.
        text_pad = ~attention_mask.bool()
        video_pad = None if video_mask is None else ~video_mask.bool()
        x = text_tokens
        for layer in self.layers:
            x = layer(x, memory, tgt_key_padding_mask=text_pad,
                      memory_key_padding_mask=video_pad)
        return x

    def forward(self, text_tokens: Tensor, attention_mask: Tensor,
                video_feats: Tensor,
                video_mask: Optional[Tensor] = None) -> Tensor:
        """Match / no-match logits ``[B, 2]`` (index 1 = match).

        Args: see :meth:`fuse`.
        """
        fused = self.fuse(text_tokens, attention_mask, video_feats, video_mask)
        return self.cls(fused[:, 0])

    def match_prob(self, text_tokens: Tensor, attention_mask: Tensor,
                   video_feats: Tensor,
                   video_mask: Optional[Tensor] = None) -> Tensor:
        """Match probability ``[B]`` in ``[0, 1]``. Args: see :meth:`fuse`."""
        logits = self(text_tokens, attention_mask, video_feats, video_mask)
        return logits.softmax(-1)[:, 1]
