"""A sampler whose batches are runs of temporally consecutive samples."""
from itertools import chain
from typing import Iterator, List, Optional, Sequence, Sized

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from vlalign.registry import DATA_SAMPLERS
from vlalign.utils.errors import ConfigError, DataError


@DATA_SAMPLERS.register_module()
class TemporalOrderSampler(Sampler):
    """Batches of consecutive segments in temporal order (``sort_seg``).

    The original anticipation teacher's ``sort_seg`` option: the segments
    of a training batch follow each other in time, as in the video. The
    samples are sorted by ``order_by`` (video, then start frame), cut into
    blocks of ``batch_size`` consecutive samples, and each epoch the order
    of the blocks is shuffled (seeded by ``seed + epoch``), so every batch
    is one block: one stretch of a video (or the end of one video and the
    start of the next), oldest first; the last, shorter block comes last.
    Under DDP each rank takes every ``world_size``-th block, blocks repeated
    (as ``DefaultSampler`` repeats samples) so all ranks get as many batches.
    ``batch_size`` must equal the dataloader's (one config variable for
    both), else batches straddle blocks.

    Args:
        dataset (Sized): A dataset with ``get_data_info(i)`` (for
            ``order_by``) and ``len``.
        batch_size (int): Samples per block.
        order_by (Sequence[str], optional): Data-info fields to sort by.
            Defaults to ``('video_id', 'start_frame')``; ``None`` keeps the
            dataset's order.
        shuffle (bool): Shuffle the blocks each epoch. Defaults to ``True``.
        seed (int, optional): Shuffle seed, the same on all ranks. Defaults
            to ``None`` (a seed synchronised across ranks).
    """

    def __init__(self, dataset: Sized, batch_size: int,
                 order_by: Optional[Sequence[str]] = ('video_id',
                                                      'start_frame'),
                 shuffle: bool = True, seed: Optional[int] = None) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError('TemporalOrderSampler: batch_size must be a '
                              f'positive int, got {batch_size!r}')
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        order = self._sorted_indices(list(order_by) if order_by else [])
        blocks = [order[i:i + batch_size]
                  for i in range(0, len(order), batch_size)]
        if not blocks:
            raise DataError('TemporalOrderSampler: the dataset is empty')
        self._partial = blocks.pop() if len(blocks[-1]) < batch_size else None
        self._full = blocks
        self._num_blocks = -(-(len(self._full) + (self._partial is not None))
                             // self.world_size) * self.world_size

    def _sorted_indices(self, keys: List[str]) -> List[int]:
        indices = list(range(len(self.dataset)))
        if not keys:
            return indices

        def key(i: int) -> tuple:
            info = self.dataset.get_data_info(i)
            missing = [k for k in keys if k not in info]
            if missing:
                raise DataError(
                    f'TemporalOrderSampler: sample {i} of '
                    f'{type(self.dataset).__name__} has no field(s) '
                    f'{missing} (order_by); its fields: {sorted(info)}')
            return tuple(info[k] for k in keys) + (i, )

        return sorted(indices, key=key)

    def _blocks(self) -> List[List[int]]:
        """This rank's blocks of the current epoch, in order."""
        full = list(self._full)
        if self.shuffle and full:
            g = torch.Generator()
            g.manual_seed(self.seed + self.epoch)
            full = [full[i] for i in torch.randperm(len(full),
                                                    generator=g).tolist()]
        tail = [self._partial] if self._partial is not None else []
        pool = full or tail
        pad = self._num_blocks - len(full) - len(tail)
        blocks = full + [pool[i % len(pool)] for i in range(pad)] + tail
        return blocks[self.rank::self.world_size]

    def __iter__(self) -> Iterator[int]:
        return iter(list(chain.from_iterable(self._blocks())))

    def __len__(self) -> int:
        return sum(len(b) for b in self._blocks())

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (the shuffle changes every epoch)."""
        self.epoch = epoch
