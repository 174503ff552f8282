"""Video-text matching (ITM): hard-negative pairs and their 2-way loss."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.registry import LOSSES

HARD_NEGATIVE_MODES = ('sample', 'hardest')


@torch.no_grad()
def sample_hard_negatives(scores: Tensor, candidates: Tensor,
                          mode: str = 'sample',
                          generator: Optional[torch.Generator] = None
                          ) -> Tuple[Tensor, Tensor]:
    """Pick one hard negative column per row among the allowed candidates.

    ``'sample'`` draws column ``j`` with probability
    ``softmax_j(scores[i])`` renormalised over the candidates (ALBEF, VindLU);
    ``'hardest'`` takes the candidate with the highest score. Columns outside
    ``candidates`` (e.g. same-class pairs) are never chosen.

    Args:
        scores (Tensor): ``[B, M]`` similarity logits (e.g. scaled cosine).
        candidates (Tensor): ``[B, M]`` bool, True where column ``j`` may be
            a negative of row ``i``.
        mode (str): ``'sample'`` or ``'hardest'``. Defaults to ``'sample'``.
        generator (torch.Generator, optional): For reproducible sampling.
            Defaults to ``None`` (the global RNG).

    Returns:
        tuple: ``index [B]`` (long; ``-1`` where a row has no candidate) and
        ``valid [B]`` (bool, the row has a negative).
    """
    if mode not in HARD_NEGATIVE_MODES:
        raise ValueError(f'hard_negative must be one of {HARD_NEGATIVE_MODES}, '
                         f'got "{mode}"')
    if scores.shape != candidates.shape:
        raise ValueError(f'scores {tuple(scores.shape)} and candidates '
                         f'{tuple(candidates.shape)} differ in shape')
    candidates = candidates.bool()
    valid = candidates.any(-1)
    masked = scores.float().masked_fill(~candidates, float('-inf'))
    # Rows without candidates get dummy uniform scores; their pick is dropped.
    masked = masked.masked_fill(~valid[:, None], 0.0)
    if mode == 'hardest':
        index = masked.argmax(-1)
    else:
        # Softmax after masking keeps the best candidate's weight >= 1/M, so
        # large logit scales cannot underflow a row to all zeros.
        index = torch.multinomial(masked.softmax(-1), 1,
                                  generator=generator).squeeze(-1)
    return index.masked_fill(~valid, -1), valid


def itm_pairs(sim: Tensor, labels: Optional[Tensor] = None,
              mode: str = 'sample',
              generator: Optional[torch.Generator] = None
              ) -> Tuple[Tensor, Tensor, Tensor]:
    """(video, text) pairs for ITM: the positives and hard negatives.

    Every video ``i`` is paired with its own text (target 1), with a hard
    negative text, and every text ``j`` with a hard negative video (target
    0). Pairs with the same label are masked out of the negative candidates
    (VindLU's rule), so a positive is never used as a negative; a sample
    without any other-class partner adds only its positive pair, and an
    all-one-class batch gives positives only (``targets`` all 1), which
    :class:`~vlalign.models.ViseceITM` skips by default.

    Args:
        sim (Tensor): ``[B, B]`` video-to-text similarity logits, row = video.
        labels (Tensor, optional): ``[B]`` class labels. Defaults to ``None``
            (only the diagonal is positive).
        mode (str): ``'sample'`` or ``'hardest'``, see
            :func:`sample_hard_negatives`. Defaults to ``'sample'``.
        generator (torch.Generator, optional): Defaults to ``None``.

    Returns:
        tuple: ``video_idx [P]``, ``text_idx [P]`` (long) and ``targets [P]``
        (long, 1 = match), positives first.
    """
    num = sim.shape[0]
    if sim.shape != (num, num):
        raise ValueError(f'sim must be square [B, B], got {tuple(sim.shape)}')
    arange = torch.arange(num, device=sim.device)
    if labels is None:
        positive = arange[:, None] == arange[None, :]
    else:
        positive = labels[:, None] == labels[None, :]
    neg_text, has_neg_text = sample_hard_negatives(sim, ~positive, mode,
                                                   generator)
    neg_video, has_neg_video = sample_hard_negatives(sim.t(), ~positive.t(),
                                                     mode, generator)
    video_idx = torch.cat([arange, arange[has_neg_text], neg_video[has_neg_video]])
    text_idx = torch.cat([arange, neg_text[has_neg_text], arange[has_neg_video]])
    targets = torch.zeros_like(video_idx)
    targets[:num] = 1
    return video_idx, text_idx, targets


@LOSSES.register_module()
class ITMLoss(nn.Module):
    """Cross-entropy of the 2-way match classifier over ITM pairs.

    The mean runs over all pairs present (positives and the hard negatives
    that exist). Whether a batch without any negative is trained at all is
    the recognizer's rule (:class:`~vlalign.models.ViseceITM`
    ``no_negative``: skipped by default).

    Args:
        loss_weight (float): Multiplier of ``loss_itm``. Defaults to ``1.0``.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, targets: Tensor) -> Dict[str, Tensor]:
        """
        Args:
            logits (Tensor): ``[P, 2]`` match / no-match logits.
            targets (Tensor): ``[P]`` long, 1 = match.

        Returns:
            dict: ``loss_itm`` and ``itm_acc`` (accuracy, detached).
        """
        loss = F.cross_entropy(logits, targets)
        acc = (logits.argmax(-1) == targets).float().mean().detach()
        return dict(loss_itm=self.loss_weight * loss, itm_acc=acc)
