"""Learnable, clamped logit scale (inverse temperature) as in CLIP."""
import math

import torch
from torch import Tensor, nn


class LogitScale(nn.Module):
    """``exp(s)`` with ``s`` learnable and clamped to ``[0, log(max_scale)]``.

    The clamp is applied in the forward pass, so the stored parameter may
    drift outside the range but the scale used never does (no gradient
    flows while clamped, as in CLIP's in-place clamp).

    Args:
        init_temperature (float): Initial temperature; ``s0 = log(1/t)``.
            Defaults to ``0.07``.
        max_scale (float): Upper bound of the scale. Defaults to ``100``.
        learnable (bool): Train ``s``. Defaults to ``True``.
    """

    def __init__(self, init_temperature: float = 0.07,
                 max_scale: float = 100.0, learnable: bool = True) -> None:
        super().__init__()
        value = torch.tensor(math.log(1.0 / init_temperature))
        self.log_scale = nn.Parameter(value, requires_grad=learnable)
        self.max_log_scale = math.log(max_scale)

    def forward(self) -> Tensor:
        """The scale, a 0-d tensor in ``[1, max_scale]``."""
        return self.log_scale.clamp(0.0, self.max_log_scale).exp()
