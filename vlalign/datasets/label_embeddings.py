"""Semantic embeddings of action descriptions, computed once and cached.

The cache is a ``torch.save``-d dict ``{'embeddings': {label: Tensor[E]},
'key': str, 'texts': {label: description}, 'encoder': dict}``. Only
``'embeddings'`` is required when reading, so a cache written by other code in
the original format ``{'embeddings': {label: tensor}}`` is usable as is.
``'key'`` hashes the encoder config and the label -> description texts: when
either changes, the cache is recomputed (and replaced atomically) instead of
silently serving stale embeddings.
"""
import copy
import hashlib
import json
import os.path as osp
from typing import Dict, Mapping, Optional, Sequence

import torch
from torch import Tensor

from vlalign.utils.atomic_io import atomic_path
from vlalign.utils.errors import ConfigError, DataError


def embedding_cache_key(texts: Mapping[str, str],
                        encoder_cfg: Optional[Mapping]) -> str:
    """A stable hash of the encoder config and the label -> text mapping."""
    payload = json.dumps(
        dict(texts=sorted(texts.items()), encoder=encoder_cfg),
        sort_keys=True, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()


@torch.no_grad()
def encode_texts(texts: Mapping[str, str], encoder_cfg: Mapping,
                 batch_size: int = 64) -> Dict[str, Tensor]:
    """Encode each description with a text encoder built from ``encoder_cfg``.

    Args:
        texts (Mapping[str, str]): Label -> description.
        encoder_cfg (Mapping): Model config of a text encoder, e.g.
            ``dict(type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
            pooling='mean')``.
        batch_size (int): Texts per forward pass. Defaults to ``64``.

    Returns:
        dict[str, Tensor]: Label -> embedding ``[E]`` (float32, CPU).
    """
    from vlalign.registry import MODELS
    import vlalign.models  # noqa: F401  (registers the text encoders)
    encoder = MODELS.build(copy.deepcopy(dict(encoder_cfg)))
    encoder.eval()
    labels = list(texts)
    out: Dict[str, Tensor] = {}
    for i in range(0, len(labels), batch_size):
        chunk = labels[i:i + batch_size]
        emb = encoder([texts[lbl] for lbl in chunk]).float().cpu()
        out.update({lbl: e.clone() for lbl, e in zip(chunk, emb)})
    return out


def _save_atomic(obj: dict, path: str) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load_label_embeddings(cache_file: str,
                          texts: Mapping[str, str],
                          encoder_cfg: Optional[Mapping] = None) -> Dict[str, Tensor]:
    """The cached embedding of every label, computing the cache if needed.

    Args:
        cache_file (str): The ``.pth`` cache.
        texts (Mapping[str, str]): Label -> description (the mapping file).
        encoder_cfg (Mapping, optional): Text encoder config. With it the
            cache is (re)computed when absent or keyed differently; without
            it the cache must exist and cover every label. Defaults to
            ``None``.

    Returns:
        dict[str, Tensor]: Label -> embedding ``[E]``.

    Raises:
        DataError: If the cache is unreadable, lacks a label, or mixes widths.
        ConfigError: If there is no cache and no encoder to compute it.
    """
    key = embedding_cache_key(texts, encoder_cfg) if encoder_cfg else None
    cache = None
    if osp.exists(cache_file):
        try:
            cache = torch.load(cache_file, map_location='cpu',
                               weights_only=False)
        except Exception as exc:  # a torn or foreign file
            if encoder_cfg is None:
                raise DataError(f'{cache_file}: cannot read the label '
                                f'embedding cache: {exc}') from exc
            cache = None
        if not isinstance(cache, dict) or 'embeddings' not in cache:
            if encoder_cfg is None:
                raise DataError(f"{cache_file}: not a label embedding cache "
                                f"(expected a dict with key 'embeddings')")
            cache = None
    if cache is not None and encoder_cfg is not None and cache.get('key') != key:
        cache = None  # another encoder or other texts: recompute
    if cache is None:
        if encoder_cfg is None:
            raise ConfigError(
                f'{cache_file} does not exist and no text_encoder is '
                f'configured to compute it')
        cache = dict(embeddings=encode_texts(texts, encoder_cfg), key=key,
                     texts=dict(texts), encoder=dict(encoder_cfg))
        _save_atomic(cache, cache_file)
    embeddings = cache['embeddings']
    missing = [lbl for lbl in texts if lbl not in embeddings]
    if missing:
        raise DataError(f'{cache_file}: no embedding for label(s) '
                        f'{missing[:5]} of the mapping file')
    out = {lbl: torch.as_tensor(embeddings[lbl]).float().reshape(-1)
           for lbl in texts}
    widths = {v.numel() for v in out.values()}
    if len(widths) > 1:
        raise DataError(f'{cache_file}: embeddings of different widths '
                        f'{sorted(widths)}')
    return out


def embedding_table(embeddings: Mapping[str, Tensor],
                    labels: Sequence[str]) -> Tensor:
    """Stack embeddings in ``labels`` order: ``[L, E]``."""
    return torch.stack([embeddings[lbl] for lbl in labels])
