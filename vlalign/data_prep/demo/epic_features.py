"""Synthetic EPIC-KITCHENS-100 style data: annotation CSVs in the published
format plus per-video feature files, with learnable verbs and nouns.

The files follow the released formats exactly (see
:mod:`vlalign.datasets.epic_kitchens`): ``EPIC_100_train.csv`` and
``EPIC_100_validation.csv`` with the full header and 60 fps frame numbers,
``EPIC_100_verb_classes.csv`` / ``EPIC_100_noun_classes.csv``, and features
keyed by ``video_id`` (a folder of ``<video_id>.npy`` ``[T, D]`` files or one
HDF5 :class:`~vlalign.datasets.FeatureStore`), ``feature_fps`` rows per
second of video.

What makes the task learnable, and not trivially so:

* a **verb** is a motion: its feature drifts from a start vector to an end
  vector over the segment. Reversible verbs share their vectors in reverse
  order (``open``/``close``, ``take``/``put``, ``turn-on``/``turn-off``), so
  only the temporal order tells them apart: a model that averages frames
  without position cannot separate them;
* a **noun** is a weaker appearance vector present in a random 70% of the
  segment's frames (occlusion);
* each verb occurs with a subset of the nouns (plausible actions), drawn from
  a long-tailed distribution, so co-occurrence carries information;
* every participant adds a constant offset (a kitchen), and the validation
  set has a participant never seen in training, so there is a
  train-validation gap to measure.
"""
import dataclasses
import os
from typing import Dict, List, Sequence, Tuple

import numpy as np

from vlalign.data_prep.writers import (write_epic_annotations,
                                       write_epic_classes)
from vlalign.datasets.epic_kitchens import EPIC_100_FPS, EpicSegment
from vlalign.utils.atomic_io import atomic_open

__all__ = ['DEMO_VERBS', 'DEMO_NOUNS', 'demo_class_names',
           'generate_epic_demo']

#: Verb keys from EPIC-100's verb classes; (i, i+1) pairs listed in
#: :data:`_REVERSE_PAIRS` are reverses of each other.
DEMO_VERBS: Tuple[str, ...] = (
    'take', 'put', 'open', 'close', 'turn-on', 'turn-off', 'wash', 'cut',
    'pour', 'mix', 'move', 'remove', 'throw', 'dry', 'shake', 'insert')
_REVERSE_PAIRS = ((0, 1), (2, 3), (4, 5))

#: Noun keys from EPIC-100's noun classes (``noun:modifier`` as released).
DEMO_NOUNS: Tuple[str, ...] = (
    'tap', 'plate', 'cupboard', 'knife', 'pan', 'lid', 'bowl', 'drawer',
    'sponge', 'spoon', 'cup', 'fridge', 'onion', 'bag', 'board:chopping',
    'oil', 'glass', 'water', 'pot', 'towel:kitchen')


def demo_class_names(kind: str, num: int) -> List[str]:
    """``num`` class keys: the EPIC names of :data:`DEMO_VERBS` /
    :data:`DEMO_NOUNS` first, then ``<kind>_<index>`` (so 97 verbs and 300
    nouns, the EPIC-100 sizes, work too)."""
    base = DEMO_VERBS if kind == 'verb' else DEMO_NOUNS
    names = list(base[:num])
    names += [f'{kind}_{i:03d}' for i in range(len(names), num)]
    return names


def _unit(rng: np.random.Generator, num: int, dim: int) -> np.ndarray:
    vecs = rng.standard_normal((num, dim))
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def _save_npy(path: str, array: np.ndarray) -> None:
    """``np.save`` through a temp file in the same folder, then rename."""
    with atomic_open(path, 'wb') as f:
        np.save(f, array)


def _plan_videos(rng: np.random.Generator, participants: Sequence[str],
                 videos_per_participant: int, segments_per_video: int,
                 pairs: np.ndarray, pair_probs: np.ndarray,
                 min_seconds: float, max_seconds: float
                 ) -> Tuple[List[EpicSegment], Dict[str, int]]:
    """Segments (labels and 60 fps frames) of every video, and each video's
    length in frames."""
    segments: List[EpicSegment] = []
    lengths: Dict[str, int] = {}
    for participant in participants:
        for v in range(videos_per_participant):
            video_id = f'{participant}_{v + 1:02d}'
            frame = int(rng.integers(30, 120))
            for k in range(segments_per_video):
                verb, noun = pairs[rng.choice(len(pairs), p=pair_probs)]
                duration = int(rng.uniform(min_seconds, max_seconds)
                               * EPIC_100_FPS)
                start, stop = frame, frame + duration
                segments.append(EpicSegment(
                    narration_id=f'{video_id}_{k}',
                    participant_id=participant, video_id=video_id,
                    start_frame=start, stop_frame=stop,
                    verb_class=int(verb), noun_class=int(noun)))
                # a short gap of background between actions
                frame = stop + int(rng.integers(15, 90))
            lengths[video_id] = frame + 30
    return segments, lengths


def generate_epic_demo(out_dir: str,
                       num_verbs: int = 8,
                       num_nouns: int = 10,
                       train_participants: int = 3,
                       val_participants: int = 1,
                       videos_per_participant: int = 2,
                       segments_per_video: int = 20,
                       feature_dim: int = 32,
                       feature_fps: float = 10.0,
                       feature_format: str = 'npy',
                       noise: float = 0.35,
                       noun_strength: float = 0.6,
                       seed: int = 0) -> Dict:
    """Write EPIC-100 style CSVs and features into ``out_dir``.

    Training videos come from participants ``P01..P0<train_participants>``;
    validation videos from one more video of the first training participant
    and from ``val_participants`` unseen participants.

    Args:
        out_dir (str): Output folder (created).
        num_verbs (int): Verb classes. Defaults to ``8``.
        num_nouns (int): Noun classes. Defaults to ``10``.
        train_participants (int): Participants in training. Defaults to ``3``.
        val_participants (int): Unseen participants in validation. Defaults
            to ``1``.
        videos_per_participant (int): Training videos per participant.
            Defaults to ``2``.
        segments_per_video (int): Actions per video. Defaults to ``20``.
        feature_dim (int): Feature dimension ``D``. Defaults to ``32``.
        feature_fps (float): Feature rows per second of video (the frame
            numbers count at 60 fps). Defaults to ``10``.
        feature_format (str): ``'npy'`` (``features/<video_id>.npy``) or
            ``'hdf5'`` (``features.h5`` + its key index). Defaults to
            ``'npy'``.
        noise (float): Standard deviation of the per-dimension noise (the
            verb motion has unit norm). Defaults to ``0.35``.
        noun_strength (float): Norm of the noun appearance vector.
            Defaults to ``0.6``.
        seed (int): Seed; the output is a function of the arguments.
            Defaults to ``0``.

    Returns:
        dict: ``train_file``, ``val_file``, ``verb_class_file``,
        ``noun_class_file``, ``features`` (folder or HDF5 path),
        ``feature_fps``, ``num_verbs``, ``num_nouns``, ``num_train``,
        ``num_val``.
    """
    if feature_format not in ('npy', 'hdf5'):
        raise ValueError(f'feature_format must be "npy" or "hdf5", got '
                         f'{feature_format!r}')
    if num_verbs < 2 or num_nouns < 2:
        raise ValueError('need at least 2 verbs and 2 nouns')
    rng = np.random.default_rng(seed)
    verbs = demo_class_names('verb', num_verbs)
    nouns = demo_class_names('noun', num_nouns)

    # Verb motions: start and end vectors; reverse pairs share them swapped.
    verb_start = _unit(rng, num_verbs, feature_dim)
    verb_end = _unit(rng, num_verbs, feature_dim)
    for a, b in _REVERSE_PAIRS:
        if b < num_verbs:
            verb_start[b], verb_end[b] = verb_end[a], verb_start[a]
    noun_vecs = _unit(rng, num_nouns, feature_dim)

    # Plausible (verb, noun) pairs: each verb with about half of the nouns,
    # long-tailed (Zipf-like) frequencies.
    pairs = []
    for v in range(num_verbs):
        k = max(2, num_nouns // 2)
        for n in rng.choice(num_nouns, size=k, replace=False):
            pairs.append((v, int(n)))
    pairs_arr = np.array(pairs)
    weights = 1.0 / np.arange(1, len(pairs) + 1) ** 0.6
    weights = weights[rng.permutation(len(pairs))]
    probs = weights / weights.sum()

    train_ids = [f'P{i + 1:02d}' for i in range(train_participants)]
    unseen_ids = [f'P{i + 1:02d}' for i in range(
        train_participants, train_participants + val_participants)]
    train_segs, lengths = _plan_videos(
        rng, train_ids, videos_per_participant, segments_per_video,
        pairs_arr, probs, 1.5, 4.0)
    # validation: a new video of a seen participant + unseen participants
    val_segs, val_lengths = _plan_videos(
        rng, unseen_ids, 1, segments_per_video, pairs_arr, probs, 1.5, 4.0)
    seen_segs, seen_lengths = _plan_videos(
        rng, train_ids[:1], 1, segments_per_video, pairs_arr, probs, 1.5, 4.0)
    # the seen participant's validation video gets the next video number
    renamed = f'{train_ids[0]}_{videos_per_participant + 1:02d}'
    seen_segs = [dataclasses.replace(
        s, video_id=renamed,
        narration_id=s.narration_id.replace(s.video_id, renamed, 1))
        for s in seen_segs]
    val_lengths[renamed] = seen_lengths.popitem()[1]
    val_segs = seen_segs + val_segs
    lengths.update(val_lengths)

    # Named rows: fill in the verb/noun keys the published files carry.
    def named(segs: List[EpicSegment]) -> List[EpicSegment]:
        return [dataclasses.replace(s, verb=verbs[s.verb_class],
                                    noun=nouns[s.noun_class]) for s in segs]
    train_segs, val_segs = named(train_segs), named(val_segs)

    participant_offset = {
        p: 0.3 * _unit(rng, 1, feature_dim)[0]
        for p in train_ids + unseen_ids}
    scale = feature_fps / EPIC_100_FPS
    features: Dict[str, np.ndarray] = {}
    for video_id, num_frames in sorted(lengths.items()):
        rows = int(np.ceil(num_frames * scale)) + 1
        feats = noise * rng.standard_normal((rows, feature_dim))
        feats += participant_offset[video_id.split('_')[0]]
        features[video_id] = feats
    for seg in train_segs + val_segs:
        feats = features[seg.video_id]
        first = int(seg.start_frame * scale)
        last = int(seg.stop_frame * scale)
        length = last - first + 1
        tau = np.linspace(0.0, 1.0, length)[:, None]
        motion = ((1 - tau) * verb_start[seg.verb_class]
                  + tau * verb_end[seg.verb_class])
        visible = rng.random(length) < 0.7
        appearance = (noun_strength * visible[:, None]
                      * noun_vecs[seg.noun_class])
        feats[first:last + 1] += motion + appearance

    os.makedirs(out_dir, exist_ok=True)
    train_file = write_epic_annotations(
        os.path.join(out_dir, 'EPIC_100_train.csv'), train_segs)
    val_file = write_epic_annotations(
        os.path.join(out_dir, 'EPIC_100_validation.csv'), val_segs)
    verb_file = write_epic_classes(
        os.path.join(out_dir, 'EPIC_100_verb_classes.csv'), verbs)
    noun_file = write_epic_classes(
        os.path.join(out_dir, 'EPIC_100_noun_classes.csv'), nouns)
    if feature_format == 'npy':
        feature_path = os.path.join(out_dir, 'features')
        os.makedirs(feature_path, exist_ok=True)
        for video_id, feats in features.items():
            _save_npy(os.path.join(feature_path, f'{video_id}.npy'),
                      feats.astype(np.float32))
    else:
        from vlalign.data_prep.writers import write_feature_store
        feature_path = write_feature_store(
            ((k, v.astype(np.float32)) for k, v in features.items()),
            os.path.join(out_dir, 'features.h5'))
    return dict(train_file=train_file, val_file=val_file,
                verb_class_file=verb_file, noun_class_file=noun_file,
                features=feature_path, feature_fps=feature_fps,
                num_verbs=num_verbs, num_nouns=num_nouns,
                num_train=len(train_segs), num_val=len(val_segs))
