"""Bidirectional cross-attention between two task branches (verb and noun)."""
from typing import Optional, Tuple

from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS


def feed_forward(dim: int, ratio: float, dropout: float) -> nn.Sequential:
    """``LayerNorm -> Linear(dim, ratio*dim) -> GELU -> Dropout -> Linear``
    (a pre-norm transformer MLP)."""
    hidden = int(dim * ratio)
    return nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.GELU(),
                         nn.Dropout(dropout), nn.Linear(hidden, dim),
                         nn.Dropout(dropout))


@MODELS.register_module()
class CrossTaskAttention(BaseModule):
    """Each of two branches attends to the other (pre-norm, residual).

    With ``a`` the verb branch and ``b`` the noun branch::

        a' = a + DropPath(Attn_a(q=LN(a), k=v=LN(b)))
        b' = b + DropPath(Attn_b(q=LN(b), k=v=LN(a)))
        a'' = a' + DropPath(FFN_a(a')),  b'' = b' + DropPath(FFN_b(b'))

    Both directions read the *inputs* (not each other's updated output), so
    the block is symmetric and the order of the branches does not matter.

    Args:
        dim (int): Channels ``C`` of both branches.
        num_heads (int): Attention heads. Defaults to ``4``.
        dropout (float): Dropout on attention weights and in the FFN.
            Defaults to ``0.``.
        drop_path (float): Stochastic depth on each residual branch.
            Defaults to ``0.``.
        ffn_ratio (float): FFN hidden width / ``dim``; ``0`` drops the FFN.
            Defaults to ``2.``.
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int = 4,
                 dropout: float = 0.,
                 drop_path: float = 0.,
                 ffn_ratio: float = 2.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.norm_a = nn.LayerNorm(dim)
        self.norm_b = nn.LayerNorm(dim)
        self.attn_a = nn.MultiheadAttention(dim, num_heads, dropout=dropout,
                                            batch_first=True)
        self.attn_b = nn.MultiheadAttention(dim, num_heads, dropout=dropout,
                                            batch_first=True)
        self.drop_path = (DropPath(drop_path) if drop_path > 0
                          else nn.Identity())
        self.ffn_a = (feed_forward(dim, ffn_ratio, dropout) if ffn_ratio
                      else None)
        self.ffn_b = (feed_forward(dim, ffn_ratio, dropout) if ffn_ratio
                      else None)

    def forward(self, a: Tensor, b: Tensor,
                return_attention: bool = False
                ) -> Tuple[Tensor, ...]:
        """Cross-attend.

        Args:
            a (Tensor): Verb-branch tokens ``[B, Ta, C]``.
            b (Tensor): Noun-branch tokens ``[B, Tb, C]``.
            return_attention (bool): Also return the attention maps (mean
                over heads). Defaults to ``False``.

        Returns:
            tuple[Tensor]: ``a'`` ``[B, Ta, C]`` and ``b'`` ``[B, Tb, C]``;
            with ``return_attention`` also ``a -> b`` weights ``[B, Ta, Tb]``
            and ``b -> a`` weights ``[B, Tb, Ta]``.
        """
        na, nb = self.norm_a(a), self.norm_b(b)
        upd_a, w_ab = self.attn_a(na, nb, nb, need_weights=return_attention)
        upd_b, w_ba = self.attn_b(nb, na, na, need_weights=return_attention)
        a = a + self.drop_path(upd_a)
        b = b + self.drop_path(upd_b)
        if self.ffn_a is not None:
            a = a + self.drop_path(self.ffn_a(a))
            b = b + self.drop_path(self.ffn_b(b))
        if return_attention:
            return a, b, w_ab, w_ba
        return a, b
