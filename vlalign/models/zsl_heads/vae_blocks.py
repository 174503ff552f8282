"""Pieces the generative stage-2 methods share: Gaussian encoders, decoders,
the reparameterisation, the KL term and the latent classifier fit.

The encoder/decoder shapes and the initialisation (Xavier-uniform with gain
0.5, zero bias) follow CADA-VAE (edgarschnfld/CADA-VAE-PyTorch
``model/models.py``) and SynSE (skelemoa/synse-zsl ``synse/synse.py``),
which SA-DVAE (pha123661/SA-DVAE ``model.py``) keeps.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def init_linear(module: nn.Module) -> None:
    """Xavier-uniform (gain 0.5) weights and zero biases of every Linear."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, gain=0.5)
            nn.init.zeros_(m.bias)


class GaussianEncoder(nn.Module):
    """``x -> (mu, logvar)``: ReLU hidden layers, then two linear heads.

    Args:
        sizes (list[int]): ``[in, hidden..., latent]``; ``[in, latent]``
            gives linear heads on the input (SynSE, SA-DVAE).
    """

    def __init__(self, sizes: Sequence[int]) -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f'encoder sizes need [in, ..., latent], got '
                             f'{list(sizes)}')
        layers = []
        for a, b in zip(sizes[:-2], sizes[1:-1]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.mu = nn.Linear(sizes[-2], sizes[-1])
        self.logvar = nn.Linear(sizes[-2], sizes[-1])
        init_linear(self)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``[B, in]`` -> ``mu``, ``logvar`` ``[B, latent]``."""
        h = self.body(x)
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    """``z -> x``: Linear layers with ReLU between them, and after the last
    one when ``final_relu`` (SynSE / SA-DVAE decoders end in a ReLU; CADA-VAE
    ends linear).

    Args:
        sizes (list[int]): ``[latent, hidden..., out]``.
        final_relu (bool): ReLU on the output. Defaults to ``False``.
    """

    def __init__(self, sizes: Sequence[int], final_relu: bool = False) -> None:
        super().__init__()
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2 or final_relu:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        init_linear(self)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


def reparameterize(mu: Tensor, logvar: Tensor, shared_noise: bool = True,
                   generator: Optional[torch.Generator] = None) -> Tensor:
    """``mu + exp(logvar / 2) * eps``.

    Args:
        shared_noise (bool): One ``eps`` per sample for all latent
            dimensions (``[B, 1]`` expanded), as SynSE, SA-DVAE and CADA-VAE
            draw it; ``False`` draws one per dimension. Defaults to ``True``.
    """
    shape = (mu.shape[0], 1) if shared_noise else tuple(mu.shape)
    eps = torch.randn(shape, device=mu.device, dtype=mu.dtype,
                      generator=generator)
    return mu + torch.exp(0.5 * logvar) * eps.expand_as(mu)


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` summed over dimensions, mean
    over the batch: ``-0.5 * sum(1 + logvar - mu^2 - exp(logvar)) / B``
    (SynSE's ``KL_divergence`` with the sign made positive)."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / \
        mu.shape[0]


def masked_logits(logits: Tensor, mask: Tensor) -> Tensor:
    """Logits ``[B, L]`` with the columns outside ``mask`` ``[L]`` at -inf."""
    return logits.masked_fill(~mask.to(torch.bool), float('-inf'))


def fit_classifier(classifier: nn.Module, x: Tensor, y: Tensor, mask: Tensor,
                   epochs: int, lr: float, batch_size: Optional[int] = None,
                   betas: Tuple[float, float] = (0.9, 0.999),
                   generator: Optional[torch.Generator] = None) -> None:
    """Fit ``classifier`` (``[N, D] -> [N, L]`` logits) by cross-entropy over
    the columns of ``mask`` only, with Adam.

    Args:
        x (Tensor): ``[N, D]`` inputs. y (Tensor): ``[N]`` labels in
            ``mask``'s columns. mask (Tensor): bool ``[L]`` target classes.
        epochs (int): Passes over ``x``. lr (float): Adam's learning rate.
        batch_size (int, optional): Minibatch size; None is full batch
            (SynSE, SA-DVAE); CADA-VAE uses 32.
        betas (tuple): Adam's betas (CADA-VAE's classifier uses
            ``(0.5, 0.999)``).
    """
    if not bool(mask[y].all()):
        raise ValueError('fit_classifier: a label is outside the target mask')
    opt = torch.optim.Adam(classifier.parameters(), lr=lr, betas=betas)
    n = x.shape[0]
    bs = n if batch_size is None else int(batch_size)
    classifier.train()
    with torch.enable_grad():
        for _ in range(int(epochs)):
            order = torch.randperm(n, generator=generator, device=x.device) \
                if bs < n else torch.arange(n, device=x.device)
            for i in range(0, n, bs):
                idx = order[i:i + bs]
                logits = masked_logits(classifier(x[idx]), mask)
                loss = F.cross_entropy(logits, y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    classifier.eval()
