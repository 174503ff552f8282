"""SMIE: mutual-information estimation and maximisation (Zhou et al.,
ACM MM 2023).

A discriminator ``T(v, t)`` (MLP ``C + E -> 1024 -> 512 -> 1``) on a
layer-normalised (no affine) skeleton feature ``v`` and a class text
embedding ``t`` gives a Jensen-Shannon lower bound of their mutual
information; negatives pair each text with another sample's feature (the
batch rolled by one):

    I(v; t) >= E_joint[-sp(-T(v, t))] - E_marg[sp(T(v', t))]

(``sp`` = softplus). Training maximises it, ``L = -I``. With per-frame
features, the temporal constraint asks the bound on the whole sequence to
exceed the bound on a temporally masked one by a margin:
``L = -I_0 + 0.5 max(0, m - (I_0 - I_1))``, ``I_1`` with ``v`` replaced
by the mean of the frames kept after dropping the ``r T`` frames of largest
motion and then ``r T`` more at random (SMIE's ``motion_att_temp_mask2``,
``r = 15 / 50``). A sample is classified by ``argmax_c -sp(-T(v, t_c))``.

Hyper-parameters (YujieOuO/SMIE ``config.py``, ``procedure.py``): Adam
lr 1e-5, no weight decay, batch 128, 100 epochs, lr warmed up linearly over
15 epochs then cosine to 0 at epoch 100 (set per epoch), margin 0.1, mask 15
of 50 frames. SMIE reports ZSL only; GZSL here scores all classes with the
same discriminator.

SMIE's temporal constraint re-encodes the masked skeleton with the frozen
stage-1 encoder; on extracted features the mask acts on the encoder's
per-frame outputs instead (their receptive fields overlap the dropped
frames). On the published SynSE features, which have no frames, SMIE runs
as its "sota" track does on them: the global term only.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.registry import MODELS
from .base import BaseZSLHead


def motion_masked_mean(frames: Tensor, ratio: float,
                       generator: Optional[torch.Generator] = None) -> Tensor:
    """Mean of the frames SMIE's motion-attention mask keeps.

    Motion of frame ``j`` = mean over channels of the squared differences
    to its previous and next frame; the ``m = round(ratio T)`` frames of
    largest motion go, then ``m`` more at random.

    Args:
        frames (Tensor): ``[B, T, C]``.

    Returns:
        Tensor: ``[B, C]``.
    """
    b, t, _ = frames.shape
    m = int(round(ratio * t))
    if m == 0 or t - 2 * m < 1:
        return frames.mean(1)
    nxt = torch.zeros_like(frames)
    prv = torch.zeros_like(frames)
    nxt[:, :-1] = frames[:, 1:] - frames[:, :-1]
    prv[:, 1:] = frames[:, :-1] - frames[:, 1:]
    motion = (nxt.pow(2) + prv.pow(2)).mean(2)  # [B, T]
    calm = motion.topk(t - m, dim=1, largest=False).indices
    pick = torch.stack([torch.randperm(t - m, generator=generator,
                                       device=frames.device)[:t - 2 * m]
                        for _ in range(b)])
    keep = calm.gather(1, pick)
    return frames.gather(1, keep[..., None].expand(-1, -1, frames.shape[2])
                         ).mean(1)


@MODELS.register_module()
class SMIEHead(BaseZSLHead):
    """SMIE on stage-1 features (see the module docstring).

    Args:
        hidden (tuple[int, int]): Discriminator widths. Defaults to
            ``(1024, 512)``.
        temporal (bool): Use the temporal constraint (needs per-frame
            features). Defaults to ``True``.
        margin (float): Defaults to ``0.1``.
        temporal_weight (float): Defaults to ``0.5``.
        mask_ratio (float): Defaults to ``15 / 50``.
        **kwargs: See :class:`BaseZSLHead`.
    """

    def __init__(self, hidden: Sequence[int] = (1024, 512),
                 temporal: bool = True, margin: float = 0.1,
                 temporal_weight: float = 0.5, mask_ratio: float = 15 / 50,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.temporal = bool(temporal)
        self.uses_frames = self.temporal
        self.margin, self.temporal_weight = float(margin), temporal_weight
        self.mask_ratio = float(mask_ratio)
        self.norm = nn.LayerNorm(self.feature_dim, elementwise_affine=False)
        self.critic = nn.Sequential(
            nn.Linear(self.feature_dim + self.text_dim, hidden[0]), nn.ReLU(),
            nn.Linear(hidden[0], hidden[1]), nn.ReLU(),
            nn.Linear(hidden[1], 1))

    def critic_score(self, v: Tensor, t: Tensor) -> Tensor:
        """``T(LN(v), t)`` for paired rows, ``[B]``."""
        return self.critic(torch.cat([v, t], -1)).squeeze(-1)

    def mi_bound(self, v: Tensor, v_neg: Tensor, t: Tensor) -> Tensor:
        """JSD bound from positives ``(v, t)`` and negatives
        ``(roll(v_neg), t)``, features already normalised."""
        v_fake = torch.roll(v_neg, shifts=-1, dims=0)
        joint = -F.softplus(-self.critic_score(v, t)).mean()
        marg = F.softplus(self.critic_score(v_fake, t)).mean()
        return joint - marg

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Sequence) -> Dict[str, Tensor]:
        t = self.class_emb[self.gt_labels(data_samples)]
        v0 = self.norm(inputs['feature'])
        mi0 = self.mi_bound(v0, v0, t)
        losses = dict(loss_mi=-mi0)
        if self.temporal:
            if 'frames' not in inputs:
                raise KeyError('SMIEHead(temporal=True) needs per-frame '
                               'features: set frames=True in the dataset '
                               '(tools/extract_features.py --frames)')
            v1 = self.norm(motion_masked_mean(inputs['frames'],
                                              self.mask_ratio))
            mi1 = self.mi_bound(v1, v0, t)
            losses['loss_temporal'] = self.temporal_weight * torch.clamp(
                self.margin - (mi0 - mi1), min=0)
        return losses

    def class_scores(self, features: Tensor,
                     frames: Optional[Tensor] = None) -> Dict[str, Tensor]:
        v = self.norm(features)
        b, L = v.shape[0], self.num_classes
        pairs = torch.cat([v[:, None].expand(b, L, -1),
                           self.class_emb[None].expand(b, L, -1)], -1)
        return dict(gzsl=-F.softplus(-self.critic(pairs).squeeze(-1)))
