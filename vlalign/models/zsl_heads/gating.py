"""SynSE's confidence-based gating for generalised zero-shot recognition.

Gupta et al. (ICIP 2021; skelemoa/synse-zsl ``synse/gating_synse_model_*``,
kept by SA-DVAE's ``gating_train.py`` / ``gating_eval.py``): a logistic
regression decides per sample whether it belongs to a seen or an unseen
class, from the ``k`` largest probabilities of two experts, the zero-shot
classifier over the unseen classes and a seen-class classifier whose
softmax has temperature ``T``. ``T`` in 1..9 and the decision threshold in
0.25..0.74 are chosen by the gate's accuracy on a held-out part of its
training set; a sample is then classified by the expert the gate picks.

The gate is fitted on a calibration set only: held-out seen classes pose as
the unseen ones (the originals train it on the "val" split, seen minus
validation classes); no unseen class or test sample is looked at.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

TEMPERATURES = tuple(range(1, 10))
THRESHOLDS = tuple(t / 100 for t in range(25, 75))


def top_k_sorted(prob: Tensor, k: int) -> Tensor:
    """The ``k`` largest values of each row, descending, zero-padded when a
    row has fewer columns: ``[N, M] -> [N, k]``."""
    top = prob.sort(dim=1, descending=True).values[:, :k]
    if top.shape[1] < k:
        top = F.pad(top, (0, k - top.shape[1]))
    return top


def gate_features(zsl_prob: Tensor, seen_logits: Tensor, temperature: float,
                  k: int) -> Tensor:
    """``[N, 2k]``: top-k ZSL probabilities, then top-k of
    ``softmax(seen_logits / T)`` (both given over their own classes)."""
    seen_prob = F.softmax(seen_logits / temperature, dim=1)
    return torch.cat([top_k_sorted(zsl_prob, k), top_k_sorted(seen_prob, k)],
                     dim=1)


def fit_logistic(x: Tensor, y: Tensor, c: float = 1.0,
                 max_iter: int = 200) -> Tensor:
    """Binary logistic regression as scikit-learn's ``LogisticRegression(C)``
    with an L2 penalty: minimises ``0.5 |w|^2 + C sum_i BCE_i`` by L-BFGS.

    Returns:
        Tensor: ``[D + 1]``, weights then bias, float64.
    """
    x = x.double()
    y = y.double()
    theta = torch.zeros(x.shape[1] + 1, dtype=torch.float64,
                        requires_grad=True)
    opt = torch.optim.LBFGS([theta], max_iter=max_iter,
                            line_search_fn='strong_wolfe')

    def closure():
        opt.zero_grad()
        logits = x @ theta[:-1] + theta[-1]
        loss = 0.5 * theta[:-1].pow(2).sum() + c * \
            F.binary_cross_entropy_with_logits(logits, y, reduction='sum')
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return theta.detach()


class ConfidenceGate(nn.Module):
    """The fitted gate: ``P(unseen | features)`` and the decision rule.

    Its state (weights, temperature, threshold, whether it is fitted) is
    kept in buffers, so a checkpoint carries it.

    Args:
        k (int): Probabilities taken from each expert (the originals use
            the number of unseen classes).
    """

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = int(k)
        self.register_buffer('theta', torch.zeros(2 * self.k + 1,
                                                  dtype=torch.float64))
        self.register_buffer('temperature', torch.tensor(1.0))
        self.register_buffer('threshold', torch.tensor(0.5))
        self.register_buffer('fitted', torch.tensor(False))

    def prob_unseen(self, zsl_prob: Tensor, seen_logits: Tensor) -> Tensor:
        """``[N]`` probability that each sample is of an unseen class."""
        x = gate_features(zsl_prob, seen_logits, float(self.temperature),
                          self.k).double()
        # theta scores "seen" (label 1); unseen is its complement.
        return 1 - torch.sigmoid(x @ self.theta[:-1] + self.theta[-1])

    def is_unseen(self, zsl_prob: Tensor, seen_logits: Tensor) -> Tensor:
        """``[N]`` bool: the gate sends the sample to the ZSL expert."""
        return self.prob_unseen(zsl_prob, seen_logits) > float(self.threshold)

    def fit(self, zsl_prob: Tensor, seen_logits: Tensor, is_unseen: Tensor,
            seed: int = 0) -> Dict[str, float]:
        """Fit on a calibration set (held-out classes as ``is_unseen``).

        As SA-DVAE's ``gating_train.py``: the larger side is subsampled to
        the size of the smaller, ``min(300, n // 6)`` samples of each side
        are held out to choose ``T`` and the threshold, the regression is
        fitted on the rest.

        Args:
            zsl_prob (Tensor): ``[N, U]`` ZSL expert probabilities over the
                calibration's unseen (held-out) classes.
            seen_logits (Tensor): ``[N, S]`` seen expert logits over the
                calibration's seen classes.
            is_unseen (Tensor): ``[N]`` bool.
            seed (int): Seed of the subsampling.

        Returns:
            dict: ``temperature``, ``threshold`` and the held-out
            ``gate_accuracy``.
        """
        g = torch.Generator().manual_seed(int(seed))
        idx_u = torch.nonzero(is_unseen).view(-1)
        idx_s = torch.nonzero(~is_unseen).view(-1)
        if len(idx_u) < 2 or len(idx_s) < 2:
            raise ValueError('the gate needs calibration samples of both '
                             'seen and (held-out) unseen classes')
        n = min(len(idx_u), len(idx_s))
        idx_u = idx_u[torch.randperm(len(idx_u), generator=g)[:n]]
        idx_s = idx_s[torch.randperm(len(idx_s), generator=g)[:n]]
        n_val = max(1, min(300, n // 6))
        val = torch.cat([idx_u[:n_val], idx_s[:n_val]])
        train = torch.cat([idx_u[n_val:], idx_s[n_val:]])
        y = (~is_unseen).long()  # 1 = seen, as the originals label it
        best = None
        for t in TEMPERATURES:
            feats = gate_features(zsl_prob, seen_logits, float(t), self.k)
            theta = fit_logistic(feats[train], y[train])
            p_unseen = 1 - torch.sigmoid(feats[val].double() @ theta[:-1]
                                         + theta[-1])
            for th in THRESHOLDS:
                acc = float(((p_unseen > th) == is_unseen[val]).double()
                            .mean())
                if best is None or acc > best[0]:
                    best = (acc, t, th, theta)
        acc, t, th, theta = best
        self.theta.copy_(theta)
        self.temperature.fill_(float(t))
        self.threshold.fill_(float(th))
        self.fitted.fill_(True)
        return dict(temperature=float(t), threshold=float(th),
                    gate_accuracy=acc)

    def load_from(self, other: Optional['ConfidenceGate']) -> None:
        """Copy a fitted gate's state (from a calibration model)."""
        if other is not None:
            self.load_state_dict(other.state_dict())
