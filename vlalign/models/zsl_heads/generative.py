"""The generative (VAE) family: a zero-shot classifier on latents sampled
from the text side.

CADA-VAE (Schonfeld et al., CVPR 2019), SynSE (Gupta et al., ICIP 2021) and
SA-DVAE (Li et al., ECCV 2024) all end the same way: after the VAEs are
trained on seen classes, latents are sampled from the text encoder for each
target (unseen) class, a softmax classifier is fitted on them, and a test
sample is classified from the mean of its skeleton latent.
"""
from abc import abstractmethod
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import BaseZSLHead
from .vae_blocks import fit_classifier, init_linear, masked_logits


class GenerativeZSLHead(BaseZSLHead):
    """Base of the VAE heads.

    Args:
        classifier_dim (int): Width of the latent the classifier reads.
        zsl_classifier (dict, optional): ``samples_per_class`` (500),
            ``epochs`` (300), ``lr`` (1e-3), ``batch_size`` (None: full
            batch), ``betas`` ((0.9, 0.999)), ``relu`` (True: SynSE's and
            SA-DVAE's ``MLP([latent, n_unseen])`` is Linear + ReLU). The
            defaults are SynSE's ``train_classifier``.
        **kwargs: See :class:`BaseZSLHead`.
    """

    def __init__(self, classifier_dim: int,
                 zsl_classifier: Optional[Dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.zsl_cls_cfg = dict(samples_per_class=500, epochs=300, lr=1e-3,
                                batch_size=None, betas=(0.9, 0.999),
                                relu=True)
        self.zsl_cls_cfg.update(zsl_classifier or {})
        self.zsl_classifier = self._classifier(classifier_dim,
                                               self.zsl_cls_cfg['relu'])

    def _classifier(self, dim: int, relu: bool) -> nn.Module:
        layers = [nn.Linear(dim, self.num_classes)]
        if relu:
            layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    @abstractmethod
    def text_latent(self, classes: Tensor) -> Tensor:
        """Sampled latents ``[M, D]`` from the texts of ``classes`` ``[M]``
        (global labels)."""

    @abstractmethod
    def visual_latent(self, features: Tensor) -> Tensor:
        """The latent mean ``[B, D]`` the classifier reads at test time."""

    def sample_text_latents(self, mask: Tensor, per_class: int
                            ) -> Dict[str, Tensor]:
        """``per_class`` text latents of every class in ``mask``: ``z``
        ``[M, D]`` and ``y`` ``[M]`` (global labels)."""
        classes = torch.nonzero(mask).view(-1)
        y = classes.repeat(int(per_class))
        with torch.no_grad():
            z = self.text_latent(y)
        return dict(z=z, y=y)

    def fit_latent_classifier(self, classifier: nn.Module, z: Tensor,
                              y: Tensor, mask: Tensor, cfg: Dict) -> None:
        init_linear(classifier)
        gen = torch.Generator(device=z.device).manual_seed(self.seed)
        fit_classifier(classifier, z, y, mask, cfg['epochs'], cfg['lr'],
                       cfg.get('batch_size'), tuple(cfg.get('betas',
                                                            (0.9, 0.999))),
                       generator=gen)

    def finalize_method(self, features: Tensor, labels: Tensor) -> None:
        self.eval()
        data = self.sample_text_latents(self.fit_unseen,
                                        self.zsl_cls_cfg['samples_per_class'])
        self.fit_latent_classifier(self.zsl_classifier, data['z'], data['y'],
                                   self.fit_unseen, self.zsl_cls_cfg)

    def class_scores(self, features: Tensor,
                     frames: Optional[Tensor] = None) -> Dict[str, Tensor]:
        mu = self.visual_latent(features)
        logits = masked_logits(self.zsl_classifier(mu), self.fit_unseen)
        return dict(zsl=F.softmax(logits, dim=1))
