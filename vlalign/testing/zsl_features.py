"""Synthetic stage-1 features where zero-shot transfer works by construction.

Each class ``c`` has a text embedding ``t_c`` (random unit vectors, saved as
the ``[L, E]`` embedding file the heads can read); a sample of class ``c``
is ``relu(W t_c + noise)`` for one fixed random ``W`` (``[C, E]``), so a map
learnt from the seen classes carries over to the unseen ones. Features,
labels and per-frame features are written in the published layout with a
protocol folder beside them.
"""
import json
import os.path as osp
from typing import Dict, Sequence

import numpy as np

from vlalign.classes.label_map import save_class_names
from vlalign.data_prep.writers import write_zsl_features
from vlalign.datasets.zsl_features import ZSLFeatureSplit


def make_zsl_feature_set(root: str, num_seen: int = 6, num_unseen: int = 3,
                         dim: int = 32, text_dim: int = 16,
                         per_class: int = 40, frames: int = 4,
                         noise: float = 0.3, seed: int = 0,
                         val: Sequence[str] = ()) -> Dict[str, str]:
    """Write ``root/features`` (layout), ``root/protocol`` and
    ``root/class_emb.npy``.

    Returns:
        dict: ``features``, ``protocol``, ``embeddings`` paths, and
        ``classes`` (the names).
    """
    rng = np.random.default_rng(seed)
    num = num_seen + num_unseen
    classes = [f'action {i:02d}' for i in range(num)]
    # Interleave, so unseen classes are not simply the last labels.
    unseen_ids = list(range(1, num, max(1, num // num_unseen)))[:num_unseen]
    seen = [c for i, c in enumerate(classes) if i not in unseen_ids]
    unseen = [classes[i] for i in unseen_ids]
    emb = rng.normal(size=(num, text_dim))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    w = rng.normal(size=(dim, text_dim))

    def split(class_ids, n):
        labels = np.repeat(np.asarray(class_ids), n)
        base = emb[labels] @ w.T
        fr = np.maximum(base[:, None] + noise * rng.normal(
            size=(len(labels), frames, dim)), 0)
        return ZSLFeatureSplit(fr.mean(1).astype(np.float32), labels,
                               fr.astype(np.float32))

    seen_ids = [classes.index(c) for c in seen]
    splits = dict(train=split(seen_ids, per_class),
                  ztest=split(unseen_ids, per_class // 2),
                  gtest=split(list(range(num)), per_class // 2))
    feat_dir, proto_dir = osp.join(root, 'features'), osp.join(root,
                                                               'protocol')
    write_zsl_features(feat_dir, splits, meta=dict(source='synthetic'))
    save_class_names(osp.join(proto_dir, 'labels.txt'), classes)
    save_class_names(osp.join(proto_dir, 'seen.txt'), seen)
    save_class_names(osp.join(proto_dir, 'unseen.txt'), unseen)
    if val:
        save_class_names(osp.join(proto_dir, 'val.txt'), list(val))
    with open(osp.join(proto_dir, 'protocol.json'), 'w') as f:
        json.dump(dict(dataset='synthetic', labels='labels.txt'), f)
    emb_path = osp.join(root, 'class_emb.npy')
    np.save(emb_path, emb.astype(np.float32))
    return dict(features=feat_dir, protocol=proto_dir, embeddings=emb_path,
                classes=classes)


def zsl_head_kwargs(feature_set: Dict, dim: int = 32, **kwargs) -> Dict:
    """Arguments of a stage-2 head on a :func:`make_zsl_feature_set` set
    (its protocol and class embedding file); ``kwargs`` are added."""
    out = dict(protocol=feature_set['protocol'], feature_dim=dim,
               text=dict(embedding_file=feature_set['embeddings']))
    out.update(kwargs)
    return out
