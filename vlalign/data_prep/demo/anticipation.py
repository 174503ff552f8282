"""Synthetic egocentric kitchen videos for the anticipation demo, written in
the published EPIC-KITCHENS-100 formats.

Each video strings together a few scripted *recipes* (fixed sequences of
``(verb, noun)`` actions, e.g. "take cup, turn-on tap, fill cup, ...");
steps are sometimes skipped and stray actions sometimes inserted. What comes
next is therefore predictable from the past actions (which the text teacher
reads) but only weakly from the video: the features (``[T, D]`` per video)
show the action being performed under heavy noise, plus a faint hint of the
next noun shortly before it starts. Everything is deterministic given the
seed.

Written files (``out_dir``): ``EPIC_100_train.csv``,
``EPIC_100_validation.csv``, ``EPIC_100_verb_classes.csv``,
``EPIC_100_noun_classes.csv``, ``actions.csv`` (the training pairs) and the
features, ``features.h5`` (HDF5 store, keys = video ids) or ``features/``
(``<video_id>.npy``).
"""
import os
from typing import Dict, List, Tuple

import numpy as np

from vlalign.datasets.action_history import ActionVocab
from vlalign.datasets.epic_kitchens import EpicSegment
from vlalign.data_prep.writers import (write_epic_annotations,
                                       write_epic_classes)

__all__ = ['VERBS', 'NOUNS', 'RECIPES', 'generate_anticipation_demo']

VERBS: Tuple[str, ...] = ('take', 'put', 'open', 'close', 'wash', 'cut',
                          'pour', 'mix', 'turn-on', 'turn-off', 'fill',
                          'dry')
NOUNS: Tuple[str, ...] = ('cup', 'tap', 'knife', 'onion', 'pan', 'fridge',
                          'bowl', 'milk', 'spoon', 'board', 'kettle',
                          'towel')

_RECIPES_TEXT = (
    'take cup, turn-on tap, fill cup, turn-off tap, pour cup, put cup',
    'open fridge, take milk, close fridge, pour milk, mix bowl, put milk',
    'take knife, take onion, cut onion, put knife, wash knife, dry knife',
    'take pan, turn-on tap, wash pan, turn-off tap, dry pan, put pan',
    'take kettle, fill kettle, turn-on kettle, pour kettle, turn-off kettle,'
    ' put kettle',
    'take board, take knife, cut onion, put board, take spoon, mix bowl',
    'take bowl, open fridge, take milk, pour milk, close fridge, mix bowl',
    'take spoon, wash spoon, dry spoon, take towel, dry cup, put towel',
)


def _parse(recipe: str) -> Tuple[Tuple[int, int], ...]:
    steps = []
    for action in recipe.split(','):
        verb, noun = action.split()
        steps.append((VERBS.index(verb), NOUNS.index(noun)))
    return tuple(steps)


#: Recipes as ``(verb_class, noun_class)`` steps.
RECIPES: Tuple[Tuple[Tuple[int, int], ...], ...] = tuple(
    _parse(r) for r in _RECIPES_TEXT)


def _video_actions(rng: np.random.Generator, recipes_per_video: int,
                   skip_prob: float, stray_prob: float
                   ) -> List[Tuple[int, int]]:
    actions: List[Tuple[int, int]] = []
    for r in rng.choice(len(RECIPES), recipes_per_video, replace=False):
        for step in RECIPES[r]:
            if rng.random() < stray_prob:
                actions.append((int(rng.integers(len(VERBS))),
                                int(rng.integers(len(NOUNS)))))
            if rng.random() >= skip_prob:
                actions.append(step)
    return actions


def generate_anticipation_demo(out_dir: str, num_train_videos: int = 24,
                               num_val_videos: int = 8,
                               recipes_per_video: int = 3,
                               feature_dim: int = 32,
                               feature_fps: float = 10.0,
                               video_fps: float = 60.0,
                               noise: float = 1.0,
                               skip_prob: float = 0.1,
                               stray_prob: float = 0.05,
                               feature_format: str = 'h5',
                               seed: int = 0) -> Dict:
    """Write the demo data set.

    Args:
        out_dir (str): Output folder.
        num_train_videos (int): Training videos. Defaults to ``24``.
        num_val_videos (int): Validation videos (other participants).
            Defaults to ``8``.
        recipes_per_video (int): Recipes per video. Defaults to ``3``.
        feature_dim (int): Feature width ``D``. Defaults to ``32``.
        feature_fps (float): Feature rows per second. Defaults to ``10``.
        video_fps (float): Frame rate of the frame numbers. Defaults to
            ``60`` (EPIC-100).
        noise (float): Std of the feature noise (signal norm ~1). Defaults
            to ``1.0``.
        skip_prob (float): Chance a recipe step is skipped. Defaults to
            ``0.1``.
        stray_prob (float): Chance of a random action before a step.
            Defaults to ``0.05``.
        feature_format (str): ``'h5'`` or ``'npy'``. Defaults to ``'h5'``.
        seed (int): Seed. Defaults to ``0``.

    Returns:
        dict: Paths (``train``, ``val``, ``verb_classes``, ``noun_classes``,
        ``actions``, ``features``) and counts.
    """
    if feature_format not in ('h5', 'npy'):
        raise ValueError(f'feature_format must be "h5" or "npy", got '
                         f'"{feature_format}"')
    rng = np.random.default_rng(seed)
    os.makedirs(out_dir, exist_ok=True)
    verb_emb = rng.normal(size=(len(VERBS), feature_dim)) / np.sqrt(feature_dim)
    noun_emb = rng.normal(size=(len(NOUNS), feature_dim)) / np.sqrt(feature_dim)
    splits: Dict[str, List[EpicSegment]] = {'train': [], 'val': []}
    features: List[Tuple[str, np.ndarray]] = []
    num_videos = num_train_videos + num_val_videos
    for v in range(num_videos):
        split = 'train' if v < num_train_videos else 'val'
        participant = f'P{v // 4 + 1:02d}'
        video_id = f'{participant}_{v % 4 + 1:02d}'
        actions = _video_actions(rng, recipes_per_video, skip_prob,
                                 stray_prob)
        t = float(rng.uniform(1.0, 3.0))  # seconds
        spans = []
        for verb, noun in actions:
            dur = float(rng.uniform(1.0, 3.0))
            spans.append((t, t + dur, verb, noun))
            t += dur + float(rng.uniform(0.5, 1.5))
        num_rows = int(np.ceil((t + 1.0) * feature_fps))
        feats = rng.normal(scale=noise, size=(num_rows, feature_dim))
        times = (np.arange(num_rows) + 0.5) / feature_fps
        for i, (start, stop, verb, noun) in enumerate(spans):
            during = (times >= start) & (times < stop)
            feats[during] += verb_emb[verb] + noun_emb[noun]
            # a faint hint of the coming object, just before it
            before = (times >= start - 1.5) & (times < start)
            feats[before] += 0.3 * noun_emb[noun]
            splits[split].append(EpicSegment(
                narration_id=f'{video_id}_{i}', participant_id=participant,
                video_id=video_id, start_frame=int(round(start * video_fps)),
                stop_frame=int(round(stop * video_fps)), verb_class=verb,
                noun_class=noun, verb=VERBS[verb], noun=NOUNS[noun],
                narration=f'{VERBS[verb]} {NOUNS[noun]}'))
        features.append((video_id, feats.astype(np.float32)))
    paths = dict(
        train=os.path.join(out_dir, 'EPIC_100_train.csv'),
        val=os.path.join(out_dir, 'EPIC_100_validation.csv'),
        verb_classes=os.path.join(out_dir, 'EPIC_100_verb_classes.csv'),
        noun_classes=os.path.join(out_dir, 'EPIC_100_noun_classes.csv'),
        actions=os.path.join(out_dir, 'actions.csv'))
    write_epic_annotations(paths['train'], splits['train'], fps=video_fps)
    write_epic_annotations(paths['val'], splits['val'], fps=video_fps)
    write_epic_classes(paths['verb_classes'], VERBS)
    write_epic_classes(paths['noun_classes'], NOUNS)
    vocab = ActionVocab.from_segments(splits['train'], VERBS, NOUNS)
    vocab.save(paths['actions'])
    if feature_format == 'h5':
        from vlalign.data_prep.writers import write_feature_store
        paths['features'] = write_feature_store(
            features, os.path.join(out_dir, 'features.h5'))
    else:
        folder = os.path.join(out_dir, 'features')
        os.makedirs(folder, exist_ok=True)
        for key, arr in features:
            np.save(os.path.join(folder, f'{key}.npy'), arr)
        paths['features'] = folder
    return dict(paths, num_train=len(splits['train']),
                num_val=len(splits['val']), num_actions=len(vocab),
                num_videos=num_videos, feature_dim=feature_dim,
                feature_fps=feature_fps)
