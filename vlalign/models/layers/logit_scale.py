"""Learnable, clamped logit scale (inverse temperature)."""
import math

import torch
from torch import Tensor, nn

LOGIT_SCALE_MODES = ('exp', 'raw')


class LogitScale(nn.Module):
    """A learnable logit scale ``s`` stored as a parameter initialised at
    ``log(1 / init_temperature)`` and kept in ``[0, log(max_scale)]``.

    Two modes:

    - ``'exp'`` (vlalign's default, CLIP-style): the scale used is
      ``exp(clamp(s, 0, log max_scale))`` in ``[1, max_scale]``, meant for
      L2-normalised embeddings. The clamp is in the forward pass, so the
      stored parameter may drift past the bound, where its gradient is zero.
    - ``'raw'`` (the original FeatureCLIP notebook): the scale used is the
      raw parameter ``s`` itself (about 2.66 at ``init_temperature=0.07``),
      multiplied onto unnormalised projections, with no clamp in the forward
      pass. :meth:`clamp_` clamps the parameter in place after each optimizer
      step (:class:`~vlalign.engine.hooks.LogitScaleClampHook`), so the
      gradient is never cut: at the bound the next step can move it back.

    Args:
        init_temperature (float): Initial temperature; ``s0 = log(1/t)``.
            Defaults to ``0.07``.
        max_scale (float): The parameter's upper bound is ``log(max_scale)``.
            Defaults to ``100``.
        learnable (bool): Train ``s``. Defaults to ``True``.
        mode (str): ``'exp'`` or ``'raw'``. Defaults to ``'exp'``.
    """

    def __init__(self, init_temperature: float = 0.07,
                 max_scale: float = 100.0, learnable: bool = True,
                 mode: str = 'exp') -> None:
        super().__init__()
        if mode not in LOGIT_SCALE_MODES:
            raise ValueError(f'logit scale mode must be one of '
                             f'{LOGIT_SCALE_MODES}, got {mode!r}')
        value = torch.tensor(math.log(1.0 / init_temperature))
        self.log_scale = nn.Parameter(value, requires_grad=learnable)
        self.max_log_scale = math.log(max_scale)
        self.mode = mode

    def forward(self) -> Tensor:
        """The scale, a 0-d tensor: ``exp(clamp(s))`` in ``[1, max_scale]``
        (``'exp'``), or ``s`` (``'raw'``)."""
        if self.mode == 'raw':
            return self.log_scale
        return self.log_scale.clamp(0.0, self.max_log_scale).exp()

    @torch.no_grad()
    def clamp_(self) -> None:
        """Clamp the stored parameter to ``[0, log(max_scale)]`` in place."""
        self.log_scale.clamp_(0.0, self.max_log_scale)

    def extra_repr(self) -> str:
        return f'mode={self.mode!r}, max_log_scale={self.max_log_scale:.4f}'
