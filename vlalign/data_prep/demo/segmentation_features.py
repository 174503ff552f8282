"""Synthetic per-frame video features in the MS-TCN layout.

Each video is a script of kitchen steps (``take_cup``, ``pour_water``, ...)
separated by ``background`` gaps; sometimes a step is replaced by its
"wrong" variant (``wrong_pour``: pouring next to the cup). Every label has a
latent code (a wrong step's code is its correct step's plus a smaller
offset); frame features are a fixed random linear map of the code of the
frame's label, plus a per-video offset and strong per-frame noise:

    x_t = W z[y_t] + b_video + sigma * e_t,     e_t ~ N(0, I_D)

so a single frame is ambiguous while a temporal window is not: a model with
temporal context (the dilated TCN) can learn to map features onto the label
embeddings, which is what the semantic aligner is for. Everything is
deterministic given ``seed``.
"""
import os
import os.path as osp
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np

from vlalign.utils.atomic_io import atomic_open

# label -> description (the mapping file), in class order.
SEGMENTATION_ACTIONS: Dict[str, str] = {
    'background': 'the person is idle between two steps',
    'take_cup': 'take a cup from the shelf',
    'open_lid': 'open the lid of the kettle',
    'pour_water': 'pour hot water into the cup',
    'add_sugar': 'add a spoon of sugar to the cup',
    'add_milk': 'add milk to the cup',
    'stir_drink': 'stir the drink with a spoon',
    'close_lid': 'close the lid of the kettle',
    'serve_drink': 'serve the drink on the table',
    'wrong_pour': 'pour hot water next to the cup by mistake',
    'wrong_stir': 'stir the drink with a knife by mistake',
}
NULL_LABEL = 'background'
# Correct step -> its wrong variant.
WRONG_VARIANTS = {'pour_water': 'wrong_pour', 'stir_drink': 'wrong_stir'}
STEPS: Tuple[str, ...] = tuple(
    k for k in SEGMENTATION_ACTIONS
    if k != NULL_LABEL and k not in WRONG_VARIANTS.values())
DEFAULT_NUM_VIDEOS = {'train': 24, 'test': 8}


def _write_text(path: str, text: str) -> None:
    with atomic_open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def _script(rng: np.random.Generator, wrong_prob: float,
            seg_len: Tuple[int, int], gap_len: Tuple[int, int]) -> List[str]:
    """Frame labels of one video."""
    num_steps = int(rng.integers(4, len(STEPS) + 1))
    picked = sorted(rng.choice(len(STEPS), num_steps, replace=False))
    frames: List[str] = []
    for i in picked:
        step = STEPS[i]
        if step in WRONG_VARIANTS and rng.random() < wrong_prob:
            step = WRONG_VARIANTS[step]
        frames += [NULL_LABEL] * int(rng.integers(*gap_len))
        frames += [step] * int(rng.integers(*seg_len))
    frames += [NULL_LABEL] * int(rng.integers(*gap_len))
    return frames


def generate_segmentation_dataset(
        out_dir: str,
        num_videos: Optional[Mapping[str, int]] = None,
        feat_dim: int = 64,
        latent_dim: int = 12,
        noise: float = 5.0,
        wrong_prob: float = 0.3,
        seg_len: Tuple[int, int] = (12, 36),
        gap_len: Tuple[int, int] = (4, 14),
        seed: int = 0) -> Dict:
    """Write a synthetic dataset in the MS-TCN layout.

    Writes ``features/<video>.npy`` (float32 ``(D, T)``),
    ``groundTruth/<video>.txt``, ``mapping.txt`` and
    ``splits/<split>.split1.bundle``.

    Args:
        out_dir (str): Output folder (created).
        num_videos (Mapping[str, int], optional): Split -> number of videos.
            Defaults to :data:`DEFAULT_NUM_VIDEOS`.
        feat_dim (int): Feature width ``D``. Defaults to ``64``.
        latent_dim (int): Width of the label codes. Defaults to ``12``.
        noise (float): Std of the per-frame noise. Defaults to ``5.0``
            (a 3-frame window misreads ~7% of the frames).
        wrong_prob (float): Chance a step with a wrong variant is done
            wrong. Defaults to ``0.3``.
        seg_len (tuple[int, int]): Step length range ``[lo, hi)`` in frames.
            Defaults to ``(12, 36)``.
        gap_len (tuple[int, int]): Background gap range. Defaults to
            ``(4, 14)``.
        seed (int): Seed. Defaults to ``0``.

    Returns:
        dict: ``out_dir``, ``classes``, ``num_videos`` (split -> count),
        ``num_frames`` (split -> total) and ``bundles`` (split -> path).
    """
    num_videos = dict(DEFAULT_NUM_VIDEOS if num_videos is None else num_videos)
    rng = np.random.default_rng(seed)
    classes = list(SEGMENTATION_ACTIONS)
    codes = {c: rng.normal(size=latent_dim) for c in classes}
    for right, wrong in WRONG_VARIANTS.items():
        codes[wrong] = codes[right] + 0.8 * rng.normal(size=latent_dim)
    mixing = rng.normal(size=(feat_dim, latent_dim)) / np.sqrt(latent_dim) * 2
    for sub in ('features', 'groundTruth', 'splits'):
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)
    _write_text(osp.join(out_dir, 'mapping.txt'), ''.join(
        f'{k} "{v}"\n' for k, v in SEGMENTATION_ACTIONS.items()))
    summary = dict(out_dir=out_dir, classes=classes, num_videos={},
                   num_frames={}, bundles={})
    for split, count in num_videos.items():
        names, frames_total = [], 0
        for i in range(count):
            name = f'{split}_{i:04d}'
            labels = _script(rng, wrong_prob, seg_len, gap_len)
            z = np.stack([codes[lbl] for lbl in labels])          # [T, k]
            offset = rng.normal(scale=0.5, size=feat_dim)
            feats = z @ mixing.T + offset + noise * rng.normal(
                size=(len(labels), feat_dim))                       # [T, D]
            np.save(osp.join(out_dir, 'features', f'{name}.npy'),
                    feats.T.astype(np.float32))                     # (D, T)
            _write_text(osp.join(out_dir, 'groundTruth', f'{name}.txt'),
                        '\n'.join(labels) + '\n')
            names.append(name)
            frames_total += len(labels)
        bundle = osp.join(out_dir, 'splits', f'{split}.split1.bundle')
        _write_text(bundle, ''.join(f'{n}.txt\n' for n in names))
        summary['num_videos'][split] = count
        summary['num_frames'][split] = frames_total
        summary['bundles'][split] = bundle
    return summary
