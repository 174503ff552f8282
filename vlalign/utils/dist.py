"""Cross-rank gathering with gradients, shared by every contrastive loss."""
from typing import Tuple

import torch
import torch.distributed as dist
from torch import Tensor


def get_world_size() -> int:
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def get_rank() -> int:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return 0


def gather_with_grad(x: Tensor) -> Tuple[Tensor, int]:
    """Concatenate ``x`` from all ranks along dim 0, gradients flowing back.

    ``torch.distributed.nn.functional.all_gather`` sums the incoming
    gradients across ranks in backward, so a loss over the local rows
    against all columns, averaged by DDP, has exactly the gradient of the
    single-process loss over the whole global batch.

    Args:
        x (Tensor): ``[B, ...]`` local tensor (same ``B`` on every rank).

    Returns:
        tuple: ``([W * B, ...]`` gathered tensor, offset of the local rows).
    """
    world = get_world_size()
    if world == 1:
        return x, 0
    from torch.distributed.nn.functional import all_gather
    return torch.cat(all_gather(x), dim=0), get_rank() * x.shape[0]


@torch.no_grad()
def gather_no_grad(x: Tensor) -> Tensor:
    """Concatenate ``x`` from all ranks along dim 0 (no gradients)."""
    world = get_world_size()
    if world == 1:
        return x
    out = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(out, x.contiguous())
    return torch.cat(out, dim=0)
