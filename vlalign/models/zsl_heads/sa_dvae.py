"""SA-DVAE: semantic alignment via disentangled VAEs (Li et al., ECCV 2024).

The skeleton encoder splits its latent into a semantic-related part ``z_s``
(aligned with the text latent ``z_t``) and a semantic-irrelevant part
``z_i`` (the sample's style); the skeleton decoder reads both:

    L = |s - D_s([z_s, z_i])|^2 + |t - D_t(z_t)|^2
        + k (KL_s + KL_i) + k' KL_t
        + c (|s - D_s([z_t, z_i])|^2 + |t - D_t(z_s)|^2)
        + k' E[D([z_s, z_i])]                       (total correlation)

A discriminator ``D`` (Linear -> ReLU -> Linear -> Sigmoid, width / 4)
tells joint samples ``[z_s, z_i]`` (and ``[z_t, z_i]``) from ones whose two
parts are shuffled independently across the batch (BCE, every
``dis_step``-th iteration, weighted by ``k'``); the encoder is pushed to
make the joint look shuffled, i.e. ``z_s`` and ``z_i`` independent. The
schedule within a cycle of ``N`` iterations at iteration ``i``:
``k = max(0.1 (i - N/1700 * 1000) / (N/1700 * 3000), 0)``,
``k' = max(0.1 (i - 0.8 N) / (N/1700 * 3000), 0)`` from the third cycle on,
``c = [i > 0.8 N]``. Zero-shot classifier and gating as SynSE's, on the
semantic latent.

Hyper-parameters (pha123661/SA-DVAE ``train.py``, ``model.py`` and
``scripts/train_eval_synse_split.sh`` for NTU-60): semantic latent 160,
style latent 8, Adam lr 3.389e-5 for both parts, batch 32, discriminator
every 5 iterations, 10 cycles. SA-DVAE's cycle is one epoch of NTU-60
(~1,200 iterations); on datasets 50x smaller an epoch is a few dozen
iterations, so vlalign fixes the cycle at SynSE's 1,700 iterations, which
the schedule's ``N / 1700`` scaling was written for. As in SynSE, the
original keeps the cycle with the best test ZSL accuracy; vlalign keeps the
last.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vlalign.registry import MODELS
from .generative import GenerativeZSLHead
from .vae_blocks import (Decoder, GaussianEncoder, init_linear, kl_divergence,
                         reparameterize)


class TCDiscriminator(nn.Module):
    """``[B, D] -> [B, 1]`` probability that a latent is a joint sample."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, dim // 4), nn.ReLU(),
                                 nn.Linear(dim // 4, 1), nn.Sigmoid())
        init_linear(self)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


def shuffle_parts(a: Tensor, b: Tensor,
                  generator: Optional[torch.Generator] = None) -> Tensor:
    """``[a[p1], b[p2]]`` with independent batch permutations: a sample of
    the product of the marginals."""
    p1 = torch.randperm(a.shape[0], generator=generator, device=a.device)
    p2 = torch.randperm(b.shape[0], generator=generator, device=b.device)
    return torch.cat([a[p1], b[p2]], dim=1)


@MODELS.register_module()
class SADVAEHead(GenerativeZSLHead):
    """SA-DVAE on stage-1 features (see the module docstring).

    Args:
        latent_dim (int): Semantic latent. Defaults to ``160``.
        style_dim (int): Semantic-irrelevant latent. Defaults to ``8``.
        cycle_length (int): Iterations per cycle. Defaults to ``1700``.
        dis_step (int): Train the discriminator every ``dis_step``
            iterations. Defaults to ``5``.
        **kwargs: See :class:`GenerativeZSLHead`.
    """

    def __init__(self, latent_dim: int = 160, style_dim: int = 8,
                 cycle_length: int = 1700, dis_step: int = 5,
                 **kwargs) -> None:
        kwargs.setdefault('gating', True)
        super().__init__(classifier_dim=latent_dim, **kwargs)
        self.latent_dim, self.style_dim = latent_dim, style_dim
        self.cycle_length, self.dis_step = int(cycle_length), int(dis_step)
        c, e, d = self.feature_dim, self.text_dim, latent_dim + style_dim
        self.s_enc = GaussianEncoder([c, d])
        self.s_dec = Decoder([d, c], final_relu=True)
        self.t_enc = GaussianEncoder([e, latent_dim])
        self.t_dec = Decoder([latent_dim, e], final_relu=True)
        self.discriminator = TCDiscriminator(d)

    def factors(self) -> Dict[str, float]:
        """SA-DVAE's schedule at the current step (see the module doc)."""
        n = self.cycle_length
        cycle, i = divmod(int(self.step), n)
        scale = n / 1700
        return dict(kl=max(0.1 * (i - scale * 1000) / (scale * 3000), 0.0),
                    kl_text=max(0.1 * (i - 0.8 * n) / (scale * 3000), 0.0) *
                    (cycle > 1),
                    cross=float(i > int(0.8 * n)))

    def encode_skeleton(self, s: Tensor) -> Tuple[Tensor, Tensor, Tensor,
                                                  Tensor]:
        """``mu_s, logvar_s`` ``[B, latent]`` and ``mu_i, logvar_i``
        ``[B, style]``."""
        mu, lv = self.s_enc(s)
        d = self.latent_dim
        return mu[:, :d], lv[:, :d], mu[:, d:], lv[:, d:]

    def generator_losses(self, s: Tensor,
                         labels: Tensor) -> Dict[str, Tensor]:
        """The VAE losses of a batch (weighted by the current schedule)."""
        t = self.class_emb[labels]
        f = self.factors()
        mu_s, lv_s, mu_i, lv_i = self.encode_skeleton(s)
        mu_t, lv_t = self.t_enc(t)
        z_s, z_i = reparameterize(mu_s, lv_s), reparameterize(mu_i, lv_i)
        z_t = reparameterize(mu_t, lv_t)
        recon = F.mse_loss(self.s_dec(torch.cat([z_s, z_i], 1)), s) + \
            F.mse_loss(self.t_dec(z_t), t)
        kl = f['kl'] * (kl_divergence(mu_s, lv_s) +
                        kl_divergence(mu_i, lv_i)) + \
            f['kl_text'] * kl_divergence(mu_t, lv_t)
        cross = F.mse_loss(self.s_dec(torch.cat([z_t, z_i], 1)), s) + \
            F.mse_loss(self.t_dec(z_s), t)
        tc = self.discriminator(torch.cat([z_s, z_i], 1)).mean()
        return dict(loss_recon=recon, loss_kl=kl,
                    loss_cross=f['cross'] * cross,
                    loss_tc=f['kl_text'] * tc)

    def discriminator_loss(self, s: Tensor, labels: Tensor) -> Tensor:
        """BCE of joint (1) vs shuffled (0) latent samples, skeleton and
        text branches averaged (unweighted); the latents are fresh draws,
        detached from the encoders."""
        with torch.no_grad():
            mu_s, lv_s, mu_i, lv_i = self.encode_skeleton(s)
            mu_t, lv_t = self.t_enc(self.class_emb[labels])
            z_s, z_i = reparameterize(mu_s, lv_s), reparameterize(mu_i, lv_i)
            z_t = reparameterize(mu_t, lv_t)
        terms = []
        for sem in (z_s, z_t):
            joint = self.discriminator(torch.cat([sem, z_i], 1))
            prod = self.discriminator(shuffle_parts(sem, z_i))
            terms.append((F.binary_cross_entropy(joint, torch.ones_like(joint))
                          + F.binary_cross_entropy(prod,
                                                   torch.zeros_like(prod))) / 2)
        return (terms[0] + terms[1]) / 2

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Sequence) -> Dict[str, Tensor]:
        return self.generator_losses(inputs['feature'],
                                     self.gt_labels(data_samples))

    def train_step(self, data, optim_wrapper) -> Dict[str, Tensor]:
        """One iteration: every ``dis_step``-th the discriminator first
        (its own loss, weighted by ``k'``), then the VAEs against the
        updated discriminator; each part gets only its own gradients (as
        SA-DVAE's two Adam optimisers of equal lr)."""
        data = self.data_preprocessor(data, True)
        s = data['inputs']['feature']
        labels = self.gt_labels(data['data_samples'])
        self.check_train_labels(labels)
        disc = list(self.discriminator.parameters())
        dis_loss = None
        if (int(self.step) + 1) % self.dis_step == 0:
            dis_loss = self.discriminator_loss(s, labels)
            optim_wrapper.zero_grad()
            optim_wrapper.backward(self.factors()['kl_text'] * dis_loss)
            optim_wrapper.step()
            optim_wrapper.zero_grad()
        parsed, log_vars = self.parse_losses(
            self.generator_losses(s, labels))
        optim_wrapper.backward(parsed)
        for p in disc:
            p.grad = None
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        if dis_loss is not None:
            log_vars['dis_loss'] = float(dis_loss)
        self.step += 1
        return log_vars

    def text_latent(self, classes: Tensor) -> Tensor:
        return reparameterize(*self.t_enc(self.class_emb[classes]))

    def visual_latent(self, features: Tensor) -> Tensor:
        return self.encode_skeleton(features)[0]
