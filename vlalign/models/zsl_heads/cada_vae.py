"""CADA-VAE: cross- and distribution-aligned VAEs (Schonfeld et al., CVPR 2019).

One VAE per modality (skeleton features ``x``, class text ``t``) with a
shared latent space. With ``z_x ~ q(z|x)``, ``z_t ~ q(z|t)``:

    L = |x - D_x(z_x)|_1 + |t - D_t(z_t)|_1                     (VAE)
        - beta * sum_m KL(q(z|m) || N(0, I))
        + gamma * (|x - D_x(z_t)|_1 + |t - D_t(z_x)|_1)          (CA)
        + delta * sum_i sqrt(|mu_x - mu_t|^2 + |sigma_x - sigma_t|^2)  (DA)

(L1 summed over the batch), ``beta, gamma, delta`` warmed up linearly by
epoch. A softmax classifier on latents then classifies: for GZSL over all
classes, trained on latents of seen-class features and of unseen-class
texts; for ZSL over the unseen classes, on text latents only.

Hyper-parameters (edgarschnfld/CADA-VAE-PyTorch ``model/single_experiment.py``):
latent 64; hidden layers 1560 / 1660 (features, encoder / decoder) and
1450 / 665 (text); Adam (amsgrad) lr 1.5e-4, batch 50, 100 epochs; beta 0 ->
0.25 over epochs 0-93, CA 0 -> 2.37 over 21-75, DA 0 -> 8.13 over 6-22;
classifier lr 1e-3, Adam betas (0.5, 0.999), batch 32; GZSL: 200 feature
latents per seen class + 400 text latents per unseen class; ZSL: 200 text
latents per unseen class; ~25 classifier epochs (the repo's per-dataset
counts are 21-39).
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from vlalign.registry import MODELS
from .generative import GenerativeZSLHead
from .vae_blocks import (Decoder, GaussianEncoder, kl_divergence,
                         masked_logits, reparameterize)


def warmup(epoch: float, start: float, end: float, factor: float) -> float:
    """CADA-VAE's linear warm-up: 0 before ``start``, ``factor`` after
    ``end``."""
    return min(max((epoch - start) / (end - start) * factor, 0.0), factor)


@MODELS.register_module()
class CADAVAEHead(GenerativeZSLHead):
    """CADA-VAE on stage-1 features (see the module docstring).

    Args:
        latent_dim (int): Defaults to ``64``.
        feature_hidden (tuple[int, int]): Encoder / decoder widths of the
            feature VAE. Defaults to ``(1560, 1660)``.
        text_hidden (tuple[int, int]): Of the text VAE. Defaults to
            ``(1450, 665)``.
        warmups (dict, optional): ``beta``, ``cross``, ``distance``:
            ``(start_epoch, end_epoch, factor)``.
        gzsl_classifier (dict, optional): ``seen_per_class`` (200),
            ``unseen_per_class`` (400), ``epochs`` (25), ``lr``,
            ``batch_size``, ``betas``.
        **kwargs: See :class:`GenerativeZSLHead`; ``zsl_classifier``
            defaults to CADA-VAE's (200 text latents per class, 25 epochs,
            lr 1e-3, batch 32, betas (0.5, 0.999), linear).
    """

    def __init__(self, latent_dim: int = 64,
                 feature_hidden: Sequence[int] = (1560, 1660),
                 text_hidden: Sequence[int] = (1450, 665),
                 warmups: Optional[Dict] = None,
                 gzsl_classifier: Optional[Dict] = None,
                 zsl_classifier: Optional[Dict] = None,
                 **kwargs) -> None:
        zsl = dict(samples_per_class=200, epochs=25, lr=1e-3, batch_size=32,
                   betas=(0.5, 0.999), relu=False)
        zsl.update(zsl_classifier or {})
        super().__init__(classifier_dim=latent_dim, zsl_classifier=zsl,
                         **kwargs)
        c, e = self.feature_dim, self.text_dim
        self.x_enc = GaussianEncoder([c, feature_hidden[0], latent_dim])
        self.x_dec = Decoder([latent_dim, feature_hidden[1], c])
        self.t_enc = GaussianEncoder([e, text_hidden[0], latent_dim])
        self.t_dec = Decoder([latent_dim, text_hidden[1], e])
        self.warmups = dict(beta=(0, 93, 0.25), cross=(21, 75, 2.37),
                            distance=(6, 22, 8.13))
        self.warmups.update(warmups or {})
        self.gzsl_cls_cfg = dict(seen_per_class=200, unseen_per_class=400,
                                 epochs=25, lr=1e-3, batch_size=32,
                                 betas=(0.5, 0.999))
        self.gzsl_cls_cfg.update(gzsl_classifier or {})
        self.gzsl_classifier = self._classifier(latent_dim, relu=False)

    def factors(self) -> Dict[str, float]:
        """The warm-up factors at the current epoch."""
        return {k: warmup(self.epoch, *v) for k, v in self.warmups.items()}

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Sequence) -> Dict[str, Tensor]:
        x = inputs['feature']
        t = self.class_emb[self.gt_labels(data_samples)]
        mu_x, lv_x = self.x_enc(x)
        mu_t, lv_t = self.t_enc(t)
        z_x, z_t = reparameterize(mu_x, lv_x), reparameterize(mu_t, lv_t)
        f = self.factors()
        recon = F.l1_loss(self.x_dec(z_x), x, reduction='sum') + \
            F.l1_loss(self.t_dec(z_t), t, reduction='sum')
        cross = F.l1_loss(self.x_dec(z_t), x, reduction='sum') + \
            F.l1_loss(self.t_dec(z_x), t, reduction='sum')
        # kl_divergence is a batch mean; CADA-VAE sums over the batch.
        kld = (kl_divergence(mu_x, lv_x) + kl_divergence(mu_t, lv_t)) * \
            x.shape[0]
        dist = torch.sqrt(((mu_x - mu_t) ** 2).sum(1) + (
            (lv_x / 2).exp() - (lv_t / 2).exp()).pow(2).sum(1)).sum()
        return dict(loss_recon=recon, loss_kl=f['beta'] * kld,
                    loss_cross=f['cross'] * cross,
                    loss_distance=f['distance'] * dist)

    def text_latent(self, classes: Tensor) -> Tensor:
        return reparameterize(*self.t_enc(self.class_emb[classes]))

    def visual_latent(self, features: Tensor) -> Tensor:
        return self.x_enc(features)[0]

    def finalize_method(self, features: Tensor, labels: Tensor) -> None:
        super().finalize_method(features, labels)  # the ZSL classifier
        cfg = self.gzsl_cls_cfg
        zs, ys = [], []
        with torch.no_grad():
            for c in torch.nonzero(self.fit_seen).view(-1):
                rows = features[labels == c]
                if len(rows) == 0:
                    continue
                reps = -(-cfg['seen_per_class'] // len(rows))
                rows = rows.repeat(reps, 1)[:cfg['seen_per_class']]
                zs.append(reparameterize(*self.x_enc(rows)))
                ys.append(c.repeat(len(rows)))
        text = self.sample_text_latents(self.fit_unseen,
                                        cfg['unseen_per_class'])
        z = torch.cat(zs + [text['z']])
        y = torch.cat(ys + [text['y']])
        self.fit_latent_classifier(self.gzsl_classifier, z, y,
                                   self.fit_seen | self.fit_unseen, cfg)

    def class_scores(self, features: Tensor,
                     frames: Optional[Tensor] = None) -> Dict[str, Tensor]:
        out = super().class_scores(features)
        mu = self.visual_latent(features)
        logits = masked_logits(self.gzsl_classifier(mu),
                               self.fit_seen | self.fit_unseen)
        out['gzsl'] = F.softmax(logits, dim=1)
        return out
