"""FIFO queue of (momentum) features and their labels, kept in checkpoints."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class FeatureQueue(nn.Module):
    """A ring buffer of ``size`` rows of named features plus their labels.

    Every tensor is a buffer (``<name>``, ``labels``, ``ptr``), so the queue
    is saved in checkpoints and resumed with them, and follows the model
    across devices. It starts as L2-normalised random rows with label
    ``-1``, which never equals a class index: the initial rows are only ever
    negatives. The random rows come from a fixed seed, so the queue starts
    identical on every rank whatever the global RNG state.

    Args:
        size (int): Number of rows ``Q``.
        dims (dict[str, int]): Feature name -> width, e.g.
            ``dict(video=768, text=768)``; each becomes a ``[Q, C]`` buffer.
        seed (int): Seed of the initial random rows. Defaults to ``0``.
    """

    def __init__(self, size: int, dims: Dict[str, int], seed: int = 0) -> None:
        super().__init__()
        if size < 1:
            raise ValueError(f'queue size must be positive, got {size}')
        if not dims or 'labels' in dims or 'ptr' in dims:
            raise ValueError('dims needs at least one feature name other '
                             f'than "labels" and "ptr", got {list(dims)}')
        self.size = size
        self.names = tuple(dims)
        gen = torch.Generator().manual_seed(seed)
        for name, dim in dims.items():
            self.register_buffer(
                name, F.normalize(torch.randn(size, dim, generator=gen), dim=-1))
        self.register_buffer('labels', torch.full((size, ), -1, dtype=torch.long))
        self.register_buffer('ptr', torch.zeros((), dtype=torch.long))

    def get(self, name: str) -> Tensor:
        """The ``[Q, C]`` rows of feature ``name`` (in storage order)."""
        if name not in self.names:
            raise KeyError(f'no feature "{name}" in the queue {self.names}')
        return getattr(self, name)

    @torch.no_grad()
    def push(self, labels: Tensor, **feats: Tensor) -> None:
        """Overwrite the oldest rows with ``B`` new ones, wrapping around.

        When ``B > Q`` only the newest ``Q`` rows are kept. Call it with the
        same (gathered) tensors on every rank to keep the queues identical.

        Args:
            labels (Tensor): ``[B]`` class indices.
            **feats (Tensor): One ``[B, C]`` tensor per feature name.
        """
        if set(feats) != set(self.names):
            raise KeyError(f'push needs exactly the features {self.names}, '
                           f'got {sorted(feats)}')
        num = labels.shape[0]
        if any(f.shape[0] != num for f in feats.values()):
            raise ValueError('labels and features need the same number of rows')
        if num > self.size:
            labels = labels[-self.size:]
            feats = {k: v[-self.size:] for k, v in feats.items()}
            num = self.size
        idx = (self.ptr + torch.arange(num, device=self.ptr.device)) % self.size
        self.labels[idx] = labels.to(self.labels)
        for name, value in feats.items():
            buf = getattr(self, name)
            buf[idx] = value.detach().to(buf)
        self.ptr.copy_((self.ptr + num) % self.size)

    def extra_repr(self) -> str:
        return f'size={self.size}, names={self.names}'
