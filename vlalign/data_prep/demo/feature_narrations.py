"""Synthetic precomputed video features with narrations, for FeatureCLIP.

Deterministic given ``seed``, and structured so that video-text alignment is
learnable:

* every class ``k`` (an activity such as "cutting vegetables") has a text
  prototype ``p_k`` ``[C]``; a fixed random linear map ``A`` ``[C, D]``
  plays the role of the video encoder's view of the same activity;
* a video is a sequence of segments, one class each; a segment also has its
  own instance vector ``z`` (what makes this occurrence different from
  others of its class), so narrations can be told apart, not only classes;
* feature rows of a segment are ``(p_k + a * z) @ A`` plus a per-video
  offset and Gaussian noise, at ``30 / 16`` rows per second;
* each narration inside the segment gets the text embedding
  ``normalize(p_k + a * z + noise)`` and an Ego4D-style text
  (``"#C C cuts the vegetables"``);
* the class prompt embeddings for zero-shot evaluation are
  ``normalize(p_k)``.

A model must learn both projections to match them (``A`` is not
orthogonal and ``D != C``), so recall and zero-shot accuracy start at chance
and rise with training.
"""
import json
import os
from typing import Dict, List, Optional

import numpy as np

from vlalign.data_prep.writers import (write_feature_store,
                                       write_text_embeddings)

FEATURES_PER_SECOND = 30 / 16

# (class name, narration verb phrase) of the demo activities.
ACTIVITIES = (
    ('cutting vegetables', 'cuts the vegetables'),
    ('washing dishes', 'washes a plate'),
    ('pouring water', 'pours water into a cup'),
    ('opening the fridge', 'opens the fridge'),
    ('stirring a pot', 'stirs the pot'),
    ('folding clothes', 'folds a shirt'),
    ('typing on a laptop', 'types on the laptop'),
    ('sweeping the floor', 'sweeps the floor'),
)
CLASSES = tuple(name for name, _ in ACTIVITIES)
PROMPT = 'The person in this video is doing {label}'


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def generate_feature_narrations(out_dir: str,
                                num_train_videos: int = 64,
                                num_val_videos: int = 8,
                                feature_dim: int = 32,
                                text_dim: int = 24,
                                segments_per_video: int = 6,
                                segment_sec: float = 8.0,
                                narrations_per_segment: int = 1,
                                num_classes: Optional[int] = None,
                                instance_weight: float = 0.6,
                                noise: float = 0.3,
                                seed: int = 0) -> Dict[str, str]:
    """Write a synthetic feature / narration data set into ``out_dir``.

    Files (``*`` = ``train`` / ``val``; videos of the two splits differ)::

        features.h5 (+ .keys.json)      FeatureStore, keys 'video_000', ...
        ego4d_narrations_*.json         Ego4D-style narration JSON
        narrations_*.npy / .json        narration embeddings + metadata
        classes.txt                     class names
        class_embeddings.npy / .json    prompt embeddings, class order
        classification_val.json         [{key, label, start_sec, end_sec}]

    Args:
        out_dir (str): Output folder (created).
        num_train_videos (int): Defaults to ``64``.
        num_val_videos (int): Defaults to ``8``.
        feature_dim (int): ``D``. Defaults to ``32``.
        text_dim (int): ``C``. Defaults to ``24``.
        segments_per_video (int): Defaults to ``6``.
        segment_sec (float): Seconds per segment. Defaults to ``8.0``.
        narrations_per_segment (int): Defaults to ``1``.
        num_classes (int, optional): Classes used, at most
            ``len(ACTIVITIES)``. Defaults to all.
        instance_weight (float): Weight ``a`` of the per-segment instance
            vector. Defaults to ``0.6``.
        noise (float): Std of the feature and text noise. Defaults to ``0.3``.
        seed (int): Defaults to ``0``.

    Returns:
        dict[str, str]: Paths by role (``feature_file``,
        ``train_narrations``, ``val_narrations``, ``train_json``,
        ``val_json``, ``class_file``, ``class_embeddings``,
        ``classification``).
    """
    num_classes = num_classes or len(ACTIVITIES)
    if not 1 <= num_classes <= len(ACTIVITIES):
        raise ValueError(f'num_classes must be in [1, {len(ACTIVITIES)}]')
    rng = np.random.default_rng(seed)
    os.makedirs(out_dir, exist_ok=True)
    protos = _unit(rng.standard_normal((num_classes, text_dim)))
    mixing = rng.standard_normal((text_dim, feature_dim)) / np.sqrt(text_dim)
    rows_per_seg = int(round(segment_sec * FEATURES_PER_SECOND))
    features: List = []
    splits: Dict[str, Dict] = {}
    emb: Dict[str, List] = {'train': [], 'val': []}
    meta: Dict[str, List] = {'train': [], 'val': []}
    classification: List[Dict] = []
    total = num_train_videos + num_val_videos
    for v in range(total):
        split = 'train' if v < num_train_videos else 'val'
        key = f'video_{v:03d}'
        offset = 0.3 * rng.standard_normal(feature_dim)
        rows, narrations = [], []
        for s in range(segments_per_video):
            label = int(rng.integers(num_classes))
            z = _unit(rng.standard_normal(text_dim))
            content = protos[label] + instance_weight * z
            seg = (content @ mixing + offset
                   + noise * rng.standard_normal((rows_per_seg, feature_dim)))
            rows.append(seg)
            t0 = s * rows_per_seg / FEATURES_PER_SECOND
            t1 = (s + 1) * rows_per_seg / FEATURES_PER_SECOND
            if split == 'val':
                classification.append(dict(key=key, label=label,
                                           start_sec=round(t0, 3),
                                           end_sec=round(t1, 3)))
            for _ in range(narrations_per_segment):
                t = float(rng.uniform(t0 + 0.5, t1 - 0.5))
                text = f'#C C {ACTIVITIES[label][1]}'
                narrations.append(dict(timestamp_sec=round(t, 3),
                                       narration_text=text))
                emb[split].append(_unit(
                    content + noise * rng.standard_normal(text_dim)))
                meta[split].append(dict(
                    video_uid=key, timestamp_sec=round(t, 3),
                    text=text.replace('#C', 'Camera wearer'), label=label,
                    **{'pass': 'narration_pass_1'}))
        features.append((key, np.concatenate(rows).astype(np.float32)))
        splits.setdefault(split, {})[key] = dict(
            narration_pass_1=dict(narrations=narrations, summaries=[]))
    out = dict(feature_file=os.path.join(out_dir, 'features.h5'),
               class_file=os.path.join(out_dir, 'classes.txt'),
               class_embeddings=os.path.join(out_dir, 'class_embeddings'),
               classification=os.path.join(out_dir,
                                           'classification_val.json'))
    write_feature_store(features, out['feature_file'])
    for split in ('train', 'val'):
        out[f'{split}_json'] = os.path.join(out_dir,
                                            f'ego4d_narrations_{split}.json')
        with open(out[f'{split}_json'], 'w') as f:
            json.dump(splits.get(split, {}), f)
        out[f'{split}_narrations'] = os.path.join(out_dir,
                                                  f'narrations_{split}')
        write_text_embeddings(out[f'{split}_narrations'],
                              np.stack(emb[split]), meta[split],
                              info=dict(model='synthetic', seed=seed))
    names = CLASSES[:num_classes]
    with open(out['class_file'], 'w') as f:
        f.write('\n'.join(names) + '\n')
    write_text_embeddings(
        out['class_embeddings'], protos,
        [dict(label=n, text=PROMPT.format(label=n)) for n in names],
        info=dict(model='synthetic', prompts=[PROMPT]))
    with open(out['classification'], 'w') as f:
        json.dump(classification, f)
    return out
