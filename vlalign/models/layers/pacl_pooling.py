"""PACL frame-level, text-weighted pooling as pure functions.

Each frame is weighted by its cosine similarity to a text, then the frames are
summed with those weights, so a clip embedding depends on the text it is
compared with (PACL, "patch aligned" contrastive learning, applied over time):

- ``train``: each clip ``b`` with its own text ``t_b``,
  ``s = einsum('btc,bc->bt', norm(ev), norm(et))`` and
  ``pooled = einsum('bt,btc->bc', w, frames)``.
- ``val``: each clip with all ``L`` class texts,
  ``s = einsum('btc,lc->blt', ...)`` and ``pooled = einsum('blt,btc->blc', ...)``.

Weights are ``softmax`` over ``T`` or ``sigmoid(10 * s)``. The plain variants
sum the normalised frames ``norm(ev)``; the ``mod`` variants sum the
un-normalised ones ``ev`` (the embedder output), so frames with larger
features count more. The result is re-normalised by default.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

WEIGHTS = ('softmax', 'sigmoid')
# ``F.normalize``'s default eps; :func:`pacl_class_scores` uses the same one so
# that its scores equal those of the explicit pooling.
_EPS = 1e-12


def pacl_frame_weights(sim: Tensor, weight: str = 'softmax',
                       sigmoid_scale: float = 10.0) -> Tensor:
    """Frame weights from frame-text similarities.

    Args:
        sim (Tensor): Cosine similarities ``[..., T]``.
        weight (str): ``'softmax'`` over ``T`` (weights sum to one) or
            ``'sigmoid'`` of ``sigmoid_scale * sim`` (each frame in
            ``(0, 1)`` independently). Defaults to ``'softmax'``.
        sigmoid_scale (float): Slope of the sigmoid. Defaults to ``10``.

    Returns:
        Tensor: Weights ``[..., T]``.
    """
    if weight == 'softmax':
        return sim.softmax(dim=-1)
    if weight == 'sigmoid':
        return torch.sigmoid(sigmoid_scale * sim)
    raise ValueError(f'weight must be one of {WEIGHTS}, got "{weight}"')


def _pool_train(frames: Tensor, text: Tensor, mod: bool, weight: str,
                normalize: bool, sigmoid_scale: float) -> Tensor:
    if frames.dim() != 3 or text.dim() != 2 or \
            frames.shape[0] != text.shape[0] or frames.shape[2] != text.shape[1]:
        raise ValueError(f'expected frames [B, T, C] and text [B, C], got '
                         f'{tuple(frames.shape)} and {tuple(text.shape)}')
    ev = F.normalize(frames, dim=-1)
    sim = torch.einsum('btc,bc->bt', ev, F.normalize(text, dim=-1))
    w = pacl_frame_weights(sim, weight, sigmoid_scale)
    pooled = torch.einsum('bt,btc->bc', w, frames if mod else ev)
    return F.normalize(pooled, dim=-1) if normalize else pooled


def _pool_val(frames: Tensor, texts: Tensor, mod: bool, weight: str,
              normalize: bool, sigmoid_scale: float) -> Tensor:
    if frames.dim() != 3 or texts.dim() != 2 or \
            frames.shape[2] != texts.shape[1]:
        raise ValueError(f'expected frames [B, T, C] and texts [L, C], got '
                         f'{tuple(frames.shape)} and {tuple(texts.shape)}')
    ev = F.normalize(frames, dim=-1)
    sim = torch.einsum('btc,lc->blt', ev, F.normalize(texts, dim=-1))
    w = pacl_frame_weights(sim, weight, sigmoid_scale)
    pooled = torch.einsum('blt,btc->blc', w, frames if mod else ev)
    return F.normalize(pooled, dim=-1) if normalize else pooled


def pacl_pool_train(frames: Tensor, text: Tensor, weight: str = 'softmax',
                    normalize: bool = True,
                    sigmoid_scale: float = 10.0) -> Tensor:
    """Pool each clip's normalised frames weighted by its own text.

    Args:
        frames (Tensor): Frame features ``[B, T, C]``.
        text (Tensor): Text embedding of each clip ``[B, C]``.
        weight (str): ``'softmax'`` or ``'sigmoid'``, see
            :func:`pacl_frame_weights`. Defaults to ``'softmax'``.
        normalize (bool): L2-normalise the result. Defaults to ``True``.
        sigmoid_scale (float): Defaults to ``10``.

    Returns:
        Tensor: ``[B, C]``.
    """
    return _pool_train(frames, text, False, weight, normalize, sigmoid_scale)


def pacl_pool_train_mod(frames: Tensor, text: Tensor, weight: str = 'softmax',
                        normalize: bool = True,
                        sigmoid_scale: float = 10.0) -> Tensor:
    """As :func:`pacl_pool_train`, but summing the un-normalised frames.

    Args and returns as :func:`pacl_pool_train` (``[B, T, C]``, ``[B, C]``
    -> ``[B, C]``).
    """
    return _pool_train(frames, text, True, weight, normalize, sigmoid_scale)


def pacl_pool_val(frames: Tensor, texts: Tensor, weight: str = 'softmax',
                  normalize: bool = True,
                  sigmoid_scale: float = 10.0) -> Tensor:
    """Pool every clip's normalised frames once per class text.

    Args:
        frames (Tensor): Frame features ``[B, T, C]``.
        texts (Tensor): Class text embeddings ``[L, C]``.
        weight (str): ``'softmax'`` or ``'sigmoid'``. Defaults to
            ``'softmax'``.
        normalize (bool): L2-normalise the result. Defaults to ``True``.
        sigmoid_scale (float): Defaults to ``10``.

    Returns:
        Tensor: ``[B, L, C]``, row ``[b, l]`` the clip seen through class
        ``l``. For many classes use :func:`pacl_class_scores`, which never
        builds this tensor.
    """
    return _pool_val(frames, texts, False, weight, normalize, sigmoid_scale)


def pacl_pool_val_mod(frames: Tensor, texts: Tensor, weight: str = 'softmax',
                      normalize: bool = True,
                      sigmoid_scale: float = 10.0) -> Tensor:
    """As :func:`pacl_pool_val`, but summing the un-normalised frames.

    Args and returns as :func:`pacl_pool_val` (``[B, T, C]``, ``[L, C]``
    -> ``[B, L, C]``).
    """
    return _pool_val(frames, texts, True, weight, normalize, sigmoid_scale)


def pacl_class_scores(frames: Tensor, texts: Tensor, mod: bool = True,
                      weight: str = 'softmax', normalize: bool = True,
                      sigmoid_scale: float = 10.0,
                      chunk_size: Optional[int] = None) -> Tensor:
    """Similarity of every clip, pooled per class, with every class text.

    Equals ``einsum('blc,lc->bl', pacl_pool_val[_mod](frames, texts),
    norm(texts))`` without building the pooled ``[B, L, C]`` tensor: with
    ``x_t`` the summed frames (``norm(ev)``, or ``ev`` when ``mod``) and
    ``G = x x^T`` their ``[B, T, T]`` Gram matrix,

    - numerator: ``<sum_t w_t x_t, e_l> = sum_t w_t <x_t, e_l>``,
    - norm: ``||sum_t w_t x_t||^2 = w^T G w``,

    so the largest intermediate is ``[B, L, T]``, and ``chunk_size`` bounds
    it to ``[B, chunk_size, T]`` for large label sets.

    Args:
        frames (Tensor): Frame features ``[B, T, C]``.
        texts (Tensor): Class text embeddings ``[L, C]``.
        mod (bool): Sum the un-normalised frames. Defaults to ``True``.
        weight (str): ``'softmax'`` or ``'sigmoid'``. Defaults to
            ``'softmax'``.
        normalize (bool): Normalise the pooled embeddings (scores are then
            cosine similarities). Defaults to ``True``.
        sigmoid_scale (float): Defaults to ``10``.
        chunk_size (int, optional): Classes per chunk; ``None`` for all at
            once. Defaults to ``None``.

    Returns:
        Tensor: ``[B, L]``.
    """
    if frames.dim() != 3 or texts.dim() != 2 or \
            frames.shape[2] != texts.shape[1]:
        raise ValueError(f'expected frames [B, T, C] and texts [L, C], got '
                         f'{tuple(frames.shape)} and {tuple(texts.shape)}')
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    ev = F.normalize(frames, dim=-1)
    src = frames if mod else ev
    texts = F.normalize(texts, dim=-1)
    gram = torch.einsum('btc,bsc->bts', src, src) if normalize else None
    # <ev_t, e> = <norm(ev_t), e> * max(||ev_t||, eps): the mod variant needs
    # no second B*L*T*C contraction.
    frame_norm = frames.norm(dim=-1).clamp_min(_EPS)[:, None, :] if mod else None
    step = chunk_size or max(texts.shape[0], 1)
    scores = []
    for start in range(0, texts.shape[0], step):
        e = texts[start:start + step]
        sim = torch.einsum('btc,lc->blt', ev, e)  # [B, l, T]
        w = pacl_frame_weights(sim, weight, sigmoid_scale)
        proj = sim * frame_norm if mod else sim
        score = (w * proj).sum(-1)  # [B, l]
        if normalize:
            sq = (torch.einsum('blt,bts->bls', w, gram) * w).sum(-1)
            # == max(||pooled||, eps) as in F.normalize, with a finite
            # gradient at 0; in fp32 since eps**2 underflows in fp16 (AMP).
            sq = sq.to(torch.promote_types(sq.dtype, torch.float32))
            score = score / sq.clamp_min(_EPS**2).sqrt()
        scores.append(score)
    return torch.cat(scores, dim=1)
