"""Semantic embeddings of action descriptions, computed once and cached.

The cache is a ``torch.save``-d dict ``{'embeddings': {label: Tensor[E]},
'key': str, 'texts': {label: description}, 'encoder': dict}``. Only
``'embeddings'`` is required when reading, so a cache written by other code in
the original format ``{'embeddings': {label: tensor}}`` is usable as is.
``'key'`` hashes the encoder config and the label -> description texts: when
either changes, the cache is stale and is recomputed (and replaced
atomically) instead of silently serving stale embeddings.

Nothing here builds the encoder: the caller hands one in.
:func:`vlalign.apis.prepare_label_embeddings` does so for the datasets of a
config (``tools/train.py`` and ``tools/test.py`` call it before the Runner builds
them), so a dataset only reads the cache.
"""
import hashlib
import json
import os.path as osp
from typing import Any, Dict, Mapping, Optional, Sequence

import torch
from torch import Tensor

from vlalign.utils.atomic_io import atomic_path
from vlalign.utils.errors import ConfigError, DataError
from .text_encoding import encode_texts


def embedding_cache_key(texts: Mapping[str, str],
                        encoder_cfg: Optional[Mapping]) -> str:
    """A stable hash of the encoder config and the label -> text mapping."""
    payload = json.dumps(
        dict(texts=sorted(texts.items()), encoder=encoder_cfg),
        sort_keys=True, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()


def _save_atomic(obj: dict, path: str) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load_label_embeddings(cache_file: str,
                          texts: Mapping[str, str],
                          encoder_cfg: Optional[Mapping] = None,
                          encoder: Any = None) -> Dict[str, Tensor]:
    """The cached embedding of every label, computing the cache if needed.

    Args:
        cache_file (str): The ``.pth`` cache.
        texts (Mapping[str, str]): Label -> description (the mapping file).
        encoder_cfg (Mapping, optional): Config of the text encoder the
            embeddings must come from; with it a cache keyed differently is
            stale. Without it any cache covering every label is used.
            Defaults to ``None``.
        encoder (optional): That encoder, built by the caller (see
            :func:`~vlalign.classes.text_encoding.encode_texts` for what it
            may be). Given, an absent or stale cache is (re)computed with it;
            not given, it is an error. Defaults to ``None``.

    Returns:
        dict[str, Tensor]: Label -> embedding ``[E]``.

    Raises:
        DataError: If the cache is unreadable, lacks a label, or mixes widths.
        ConfigError: If the cache is absent or stale and no encoder is given.
    """
    key = embedding_cache_key(texts, encoder_cfg) if encoder_cfg else None
    cache = None
    if osp.exists(cache_file):
        try:
            cache = torch.load(cache_file, map_location='cpu',
                               weights_only=False)
        except Exception as exc:  # a torn or foreign file
            if encoder is None:
                raise DataError(f'{cache_file}: cannot read the label '
                                f'embedding cache: {exc}') from exc
            cache = None
        if not isinstance(cache, dict) or 'embeddings' not in cache:
            if encoder is None:
                raise DataError(f"{cache_file}: not a label embedding cache "
                                f"(expected a dict with key 'embeddings')")
            cache = None
    stale = cache is not None and key is not None and cache.get('key') != key
    if cache is None or stale:
        if encoder is None:
            why = ('was made by another encoder or from other texts' if stale
                   else 'does not exist')
            fix = ('tools/train.py and tools/test.py compute it from the '
                   'text_encoder of the dataset config '
                   '(vlalign.apis.prepare_label_embeddings)'
                   if encoder_cfg else 'and no text_encoder is configured to '
                   'compute it')
            raise ConfigError(f'{cache_file} {why}; {fix}')
        labels = list(texts)
        emb = encode_texts([texts[lbl] for lbl in labels], encoder,
                           batch_size=64, normalize=False)
        cache = dict(embeddings={lbl: torch.from_numpy(e.copy())
                                 for lbl, e in zip(labels, emb)},
                     key=key, texts=dict(texts),
                     encoder=dict(encoder_cfg) if encoder_cfg else None)
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
