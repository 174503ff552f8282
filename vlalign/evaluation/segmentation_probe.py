"""A small segmentation head trained on frozen per-frame features.

Used to measure, rather than assume, whether enhanced features help a
downstream temporal action segmentation model: the same head, seed and
schedule are trained on raw and on enhanced features and scored with
:func:`vlalign.evaluation.segmentation.segmentation_scores`.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.evaluation.segmentation import segmentation_scores

Video = Tuple[np.ndarray, np.ndarray]  # features [T, C], labels [T]


class SegmentationProbe(nn.Module):
    """``Conv1d(C, hidden, k) -> ReLU -> Dropout -> Conv1d(hidden, L, 1)``.

    Args:
        in_channels (int): Feature width ``C``.
        num_classes (int): Number of labels ``L``.
        hidden (int): Hidden width. Defaults to ``64``.
        kernel_size (int): Temporal kernel of the first layer (odd).
            Defaults to ``3``.
        dropout (float): Defaults to ``0.2``.
    """

    def __init__(self, in_channels: int, num_classes: int, hidden: int = 64,
                 kernel_size: int = 3, dropout: float = 0.2) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(in_channels, hidden, kernel_size,
                      padding=kernel_size // 2),
            nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Conv1d(hidden, num_classes, 1))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, C]`` -> logits ``[B, T, L]``."""
        return self.net(x.transpose(1, 2)).transpose(1, 2)


def _pad(videos: Sequence[Video], mean: np.ndarray,
         std: np.ndarray) -> Tuple[Tensor, Tensor]:
    width = max(len(v[1]) for v in videos)
    x = torch.zeros(len(videos), width, videos[0][0].shape[1])
    y = torch.full((len(videos), width), -100, dtype=torch.long)
    for i, (f, lbl) in enumerate(videos):
        x[i, :len(lbl)] = torch.from_numpy((f - mean) / std).float()
        y[i, :len(lbl)] = torch.from_numpy(lbl)
    return x, y


def train_and_score_probe(train: Sequence[Video], test: Sequence[Video],
                          num_classes: int, epochs: int = 60,
                          lr: float = 3e-3, batch_size: int = 4,
                          seed: int = 0, bg_class: Sequence[int] = (),
                          **probe_kwargs) -> Dict[str, float]:
    """Train a :class:`SegmentationProbe` and score it on ``test``.

    Features are standardised with the training set's per-channel mean and
    std (so raw and enhanced features are on an equal footing); padding is
    ignored by the loss (``ignore_index``) and cut off before scoring.

    Args:
        train (Sequence[tuple]): ``(features [T, C], labels [T])`` videos.
        test (Sequence[tuple]): Same, for scoring.
        num_classes (int): ``L``.
        epochs (int): Defaults to ``60``.
        lr (float): Adam learning rate. Defaults to ``3e-3``.
        batch_size (int): Videos per step. Defaults to ``4``.
        seed (int): Seed of the initialisation and the order. Defaults to
            ``0``.
        bg_class (Sequence[int]): Background label indices. Defaults to
            ``()``.
        **probe_kwargs: Passed to :class:`SegmentationProbe`.

    Returns:
        dict: :func:`segmentation_scores` of the test set.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    stacked = np.concatenate([f for f, _ in train])
    mean, std = stacked.mean(0), stacked.std(0) + 1e-6
    probe = SegmentationProbe(train[0][0].shape[1], num_classes,
                              **probe_kwargs)
    opt = torch.optim.Adam(probe.parameters(), lr=lr, weight_decay=1e-4)
    probe.train()
    for _ in range(epochs):
        order = torch.randperm(len(train), generator=gen).tolist()
        for i in range(0, len(order), batch_size):
            x, y = _pad([train[j] for j in order[i:i + batch_size]], mean, std)
            loss = F.cross_entropy(probe(x).flatten(0, 1), y.flatten(),
                                   ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
    probe.eval()
    preds: List[List[int]] = []
    with torch.no_grad():
        for f, lbl in test:
            x, _ = _pad([(f, lbl)], mean, std)
            preds.append(probe(x)[0].argmax(-1).tolist())
    return segmentation_scores(preds, [lbl.tolist() for _, lbl in test],
                               bg_class=bg_class)
