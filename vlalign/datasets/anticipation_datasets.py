"""Datasets for next-action anticipation with a language-model teacher.

- :class:`ActionHistoryTextDataset`: the text of the ``hist_len`` actions
  before each segment -> that segment's action, verb and noun (the teacher's
  data).
- :class:`AnticipationFeatureDataset`: precomputed video features observed
  before each segment (ending ``tau_a`` seconds before it starts) -> its
  labels, joined by segment uid with the teacher's exported predictions
  (the student's data).

Both read EPIC-KITCHENS-100 segment CSVs (:mod:`vlalign.datasets.epic_kitchens`)
and an action map (``actions.csv``, :class:`ActionVocab`); a sample is
``dict(inputs=..., data_samples=BaseDataElement)`` with the labels
``gt_action``/``gt_verb``/``gt_noun`` (``-1``: unknown, e.g. a (verb, noun)
pair that is no action class).
"""
import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.structures import BaseDataElement

from vlalign.datasets.action_history import (ActionVocab,
                                             build_history_examples,
                                             history_text)
from vlalign.datasets.epic_kitchens import (EPIC_100_FPS, EpicSegment,
                                            load_epic_annotations,
                                            load_epic_classes)
from vlalign.registry import DATASETS
from vlalign.utils.errors import ConfigError, DataError

#: Fields of one exported teacher prediction.
TEACHER_FIELDS = ('uid', 'action_logits', 'lm_feature')
TEACHER_FILE_VERSION = 1


def load_teacher_predictions(path: str) -> Dict[str, Dict[str, torch.Tensor]]:
    """Read exported teacher predictions.

    Args:
        path (str): A file written by
            :func:`vlalign.data_prep.writers.save_teacher_predictions` (or
            a ``.pt``/pickle holding a list of records or a ``uid -> record``
            dict).

    Returns:
        dict[str, dict]: ``uid -> {'action_logits': [A], 'lm_feature': [C],
        ...}``.

    Raises:
        DataError: If the file is missing, unreadable, or a record is
            malformed (names the file, the uid and the field).
    """
    if not os.path.isfile(path):
        raise DataError(f'teacher predictions {path} do not exist; export '
                        'them with tools/export_teacher_predictions.py')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure
        raise DataError(f'{path}: not a teacher prediction file '
                        f'({type(e).__name__}: {e})') from e
    records = obj.get('predictions', obj) if isinstance(obj, dict) else obj
    if isinstance(records, dict):
        records = [dict(rec, uid=uid) for uid, rec in records.items()]
    if not isinstance(records, (list, tuple)):
        raise DataError(f'{path}: expected a list of prediction records, got '
                        f'{type(records).__name__}')
    out: Dict[str, Dict[str, torch.Tensor]] = {}
    width = None
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise DataError(f'{path}: record {i} is not a dict')
        missing = [k for k in TEACHER_FIELDS if k not in rec]
        if missing:
            raise DataError(f'{path}: record {i} (uid {rec.get("uid")!r}) '
                            f'lacks {missing}')
        uid = str(rec['uid'])
        logits = torch.as_tensor(rec['action_logits']).float()
        if logits.ndim != 1 or not torch.isfinite(logits).all():
            raise DataError(f'{path}: uid {uid}: "action_logits" must be a '
                            'finite 1-d vector')
        if width is not None and logits.numel() != width:
            raise DataError(f'{path}: uid {uid}: "action_logits" has '
                            f'{logits.numel()} classes, others {width}')
        width = logits.numel()
        out[uid] = {k: (torch.as_tensor(v).float() if k != 'uid' else v)
                    for k, v in rec.items() if k != 'uid'}
    return out


def _labels(seg: EpicSegment, vocab: ActionVocab) -> Dict[str, int]:
    return dict(gt_verb=seg.verb_class, gt_noun=seg.noun_class,
                gt_action=(vocab.index(seg.verb_class, seg.noun_class)
                           if seg.labelled else -1))


def _data_sample(info: Dict[str, Any]) -> BaseDataElement:
    sample = BaseDataElement(metainfo=dict(uid=info['uid'],
                                           video_id=info['video_id']))
    for key in ('gt_action', 'gt_verb', 'gt_noun'):
        sample.set_field(torch.tensor(info[key], dtype=torch.long), key)
    return sample


class _SegmentDataset(BaseDataset):
    """Shared loading of segment CSVs, class names and the action map."""

    def __init__(self, ann_file: str, action_file: str,
                 verb_class_file: Optional[str] = None,
                 noun_class_file: Optional[str] = None,
                 **kwargs) -> None:
        self.action_file = action_file
        self.verb_class_file = verb_class_file
        self.noun_class_file = noun_class_file
        self.vocab = ActionVocab.load(action_file)
        self.verb_names = (load_epic_classes(verb_class_file)
                           if verb_class_file else None)
        self.noun_names = (load_epic_classes(noun_class_file)
                           if noun_class_file else None)
        num_verbs = (len(self.verb_names) if self.verb_names else
                     max(v for v, _ in self.vocab.pairs) + 1)
        num_nouns = (len(self.noun_names) if self.noun_names else
                     max(n for _, n in self.vocab.pairs) + 1)
        kwargs.setdefault('serialize_data', False)
        super().__init__(
            ann_file=ann_file,
            metainfo=dict(num_actions=len(self.vocab), num_verbs=num_verbs,
                          num_nouns=num_nouns, actions=tuple(self.vocab.names)),
            **kwargs)

    def _check_classes(self, segs: Sequence[EpicSegment], path: str) -> None:
        nv, nn_ = self.metainfo['num_verbs'], self.metainfo['num_nouns']
        if self.verb_names is None or self.noun_names is None:
            return  # class counts are guessed from the action map
        for s in segs:
            if s.verb_class >= nv or s.noun_class >= nn_:
                raise DataError(
                    f'{path}: row {s.narration_id}: verb_class {s.verb_class} '
                    f'/ noun_class {s.noun_class} outside the {nv} verbs / '
                    f'{nn_} nouns of the class files')

    def _load(self, path: str) -> List[EpicSegment]:
        segs = load_epic_annotations(path)
        self._check_classes(segs, path)
        return segs

    def class_counts(self, indices: Optional[Sequence[int]] = None
                     ) -> Dict[str, np.ndarray]:
        """Training-label counts per task (``action``, ``verb``, ``noun``),
        for class-weighted losses; unknown labels (``-1``) are not counted.

        Args:
            indices (Sequence[int], optional): Count only these samples (the
                train part of a :class:`RandomSplitDataset`). Defaults to
                ``None`` (all).
        """
        sizes = dict(action=self.metainfo['num_actions'],
                     verb=self.metainfo['num_verbs'],
                     noun=self.metainfo['num_nouns'])
        counts = {k: np.zeros(n, dtype=np.int64) for k, n in sizes.items()}
        for i in (range(len(self)) if indices is None else indices):
            info = self.get_data_info(i)
            for k in sizes:
                if info[f'gt_{k}'] >= 0:
                    counts[k][info[f'gt_{k}']] += 1
        return counts


@DATASETS.register_module()
class ActionHistoryTextDataset(_SegmentDataset):
    """Text of the past actions -> next action, for a language-model teacher.

    Args:
        ann_file (str): Segment CSV of the split (EPIC-100 format); its
            segments are the targets.
        action_file (str): Action map ``actions.csv`` (``id,verb,noun,
            action``) built from the training split.
        verb_class_file (str, optional): ``EPIC_100_verb_classes.csv``; verb
            words come from its keys (else from the segments' ``verb``).
            Defaults to ``None``.
        noun_class_file (str, optional): ``EPIC_100_noun_classes.csv``.
            Defaults to ``None``.
        context_files (Sequence[str]): Segment CSVs of other splits whose
            segments share videos with this one. Defaults to ``()``.
        hist_len (int): Past actions per history. Defaults to ``5``.
        gappy (bool): Histories skip the other splits' segments (see
            :func:`build_history_examples`). Defaults to ``False``.
        min_hist_len (int): Targets with fewer past actions are left out.
            Defaults to ``1``.
        sep (str): Separator between actions in the text. Defaults to
            ``', '``.
        **kwargs: ``BaseDataset`` arguments (``test_mode``, ``indices``,
            ...).

    A sample is ``dict(inputs=str, data_samples=BaseDataElement)``; the data
    info also holds ``video_id`` and ``start_frame``, the keys by which
    :class:`~vlalign.datasets.TemporalOrderSampler` puts a batch in temporal
    order (the original's ``sort_seg``).
    """

    def __init__(self, ann_file: str, action_file: str,
                 verb_class_file: Optional[str] = None,
                 noun_class_file: Optional[str] = None,
                 context_files: Sequence[str] = (), hist_len: int = 5,
                 gappy: bool = False, min_hist_len: int = 1,
                 sep: str = ', ', **kwargs) -> None:
        self.context_files = list(context_files)
        self.hist_len = hist_len
        self.gappy = gappy
        self.min_hist_len = min_hist_len
        self.sep = sep
        super().__init__(ann_file, action_file, verb_class_file,
                         noun_class_file, **kwargs)

    def load_data_list(self) -> List[Dict[str, Any]]:
        targets = self._load(self.ann_file)
        context: List[EpicSegment] = []
        for path in self.context_files:
            context += self._load(path)
        examples = build_history_examples(
            targets, context, hist_len=self.hist_len, gappy=self.gappy,
            min_hist_len=self.min_hist_len)
        if not examples:
            raise DataError(f'{self.ann_file}: no segment has '
                            f'{self.min_hist_len} past action(s)')
        return [dict(uid=ex.uid, video_id=ex.target.video_id,
                     start_frame=ex.target.start_frame,
                     text=history_text(ex.history, self.verb_names,
                                       self.noun_names, self.sep),
                     **_labels(ex.target, self.vocab))
                for ex in examples]

    def prepare_data(self, idx: int) -> Dict[str, Any]:
        info = self.get_data_info(idx)
        return dict(inputs=info['text'], data_samples=_data_sample(info))


class _NpyFolder:
    """Per-video features ``<folder>/<video_id>.npy`` (``[T, D]``), read
    memory-mapped."""

    def __init__(self, folder: str) -> None:
        if not os.path.isdir(folder):
            raise DataError(f'feature folder {folder} does not exist')
        self.path = folder
        self._dim: Optional[int] = None

    def _file(self, key: str) -> str:
        return os.path.join(self.path, f'{key}.npy')

    def __contains__(self, key: str) -> bool:
        return os.path.isfile(self._file(key))

    def _array(self, key: str) -> np.ndarray:
        if key not in self:
            raise DataError(f'{self.path}: no feature file {key}.npy')
        arr = np.load(self._file(key), mmap_mode='r')
        if arr.ndim != 2:
            raise DataError(f'{self._file(key)}: features must be [T, D], '
                            f'got shape {arr.shape}')
        return arr

    @property
    def dim(self) -> int:
        if self._dim is None:
            first = next(f for f in sorted(os.listdir(self.path))
                         if f.endswith('.npy'))
            self._dim = int(self._array(first[:-4]).shape[1])
        return self._dim

    def num_frames(self, key: str) -> int:
        return int(self._array(key).shape[0])

    def read(self, key: str, start: int, end: int) -> np.ndarray:
        return np.asarray(self._array(key)[start:end], dtype=np.float32)


def open_features(path: str):
    """A :class:`~vlalign.datasets.feature_store.FeatureStore` for an HDF5
    file (``.h5``/``.hdf5``), else a folder of ``<video_id>.npy`` files."""
    if os.path.splitext(path)[1].lower() in ('.h5', '.hdf5'):
        from vlalign.datasets.feature_store import FeatureStore
        return FeatureStore(path)
    return _NpyFolder(path)


def observation_indices(start_frame: int, num_feature_frames: int,
                        video_fps: float, feature_fps: float, tau_a: float,
                        obs_sec: float, num_obs: int) -> np.ndarray:
    """Feature rows observed before a segment.

    The window is ``[s - tau_a - obs_sec, s - tau_a)`` seconds with ``s`` the
    segment start; ``num_obs`` evenly spaced times end at ``s - tau_a`` and
    map to rows ``floor(t * feature_fps)``, clamped to the video (times
    before it repeat the first row, as RULSTM pads).

    Returns:
        np.ndarray: ``[num_obs]`` int64 row indices.
    """
    end = start_frame / video_fps - tau_a
    times = end - obs_sec + obs_sec * (np.arange(num_obs) + 1) / num_obs
    rows = np.floor(times * feature_fps - 1e-6).astype(np.int64)
    return np.clip(rows, 0, num_feature_frames - 1)


@DATASETS.register_module()
class AnticipationFeatureDataset(_SegmentDataset):
    """Observed video features -> next action, with teacher predictions.

    Args:
        ann_file (str): Segment CSV of the split (EPIC-100 format).
        action_file (str): Action map ``actions.csv``.
        feature_file (str): HDF5 feature store (``.h5``, keys = video ids,
            :class:`~vlalign.datasets.feature_store.FeatureStore`) or a
            folder of ``<video_id>.npy`` ``[T, D]`` arrays.
        verb_class_file (str, optional): Verb class CSV. Defaults to
            ``None``.
        noun_class_file (str, optional): Noun class CSV. Defaults to
            ``None``.
        teacher_file (str, optional): Exported teacher predictions
            (``tools/export_teacher_predictions.py``), joined by uid.
            Defaults to ``None`` (no distillation targets).
        teacher_missing (str): A segment without a teacher prediction (e.g.
            the first of a video, which has no history): ``'mask'`` keeps it
            without distillation target, ``'error'`` raises. Defaults to
            ``'mask'``.
        video_fps (float): Frame rate of ``start_frame``. Defaults to ``60``
            (EPIC-100).
        feature_fps (float): Feature rows per second. Defaults to ``30``.
        tau_a (float): Anticipation time: seconds between the end of the
            observation and the segment start. Defaults to ``1.0``.
        obs_sec (float): Observed seconds. Defaults to ``2.0``.
        num_obs (int): Feature rows sampled in the window. Defaults to ``8``.
        **kwargs: ``BaseDataset`` arguments.

    A sample is ``dict(inputs=Tensor [num_obs, D], data_samples=...)``; the
    data sample holds ``teacher_logits`` ``[A]`` and ``teacher_feature``
    ``[C]`` when the teacher predicted the segment.
    """

    def __init__(self, ann_file: str, action_file: str, feature_file: str,
                 verb_class_file: Optional[str] = None,
                 noun_class_file: Optional[str] = None,
                 teacher_file: Optional[str] = None,
                 teacher_missing: str = 'mask',
                 video_fps: float = EPIC_100_FPS, feature_fps: float = 30.0,
                 tau_a: float = 1.0, obs_sec: float = 2.0, num_obs: int = 8,
                 **kwargs) -> None:
        if teacher_missing not in ('mask', 'error'):
            raise ConfigError('teacher_missing must be "mask" or "error", got '
                              f'"{teacher_missing}"')
        if num_obs < 1 or obs_sec <= 0 or tau_a < 0:
            raise ConfigError('need num_obs >= 1, obs_sec > 0 and tau_a >= 0')
        self.feature_file = feature_file
        self.teacher_file = teacher_file
        self.teacher_missing = teacher_missing
        self.video_fps = float(video_fps)
        self.feature_fps = float(feature_fps)
        self.tau_a = float(tau_a)
        self.obs_sec = float(obs_sec)
        self.num_obs = int(num_obs)
        self.features = open_features(feature_file)
        self.teacher = (load_teacher_predictions(teacher_file)
                        if teacher_file else {})
        super().__init__(ann_file, action_file, verb_class_file,
                         noun_class_file, **kwargs)

    def load_data_list(self) -> List[Dict[str, Any]]:
        segs = self._load(self.ann_file)
        num_actions = len(self.vocab)
        data = []
        for s in segs:
            if s.video_id not in self.features:
                raise DataError(f'{self.ann_file}: row {s.narration_id}: no '
                                f'features for video "{s.video_id}" in '
                                f'{self.feature_file}')
            rows = observation_indices(
                s.start_frame, self.features.num_frames(s.video_id),
                self.video_fps, self.feature_fps, self.tau_a, self.obs_sec,
                self.num_obs)
            info = dict(uid=s.narration_id, video_id=s.video_id,
                        start_frame=s.start_frame, rows=rows,
                        **_labels(s, self.vocab))
            teacher = self.teacher.get(s.narration_id)
            if teacher is None and self.teacher and \
                    self.teacher_missing == 'error':
                raise DataError(f'{self.teacher_file}: no prediction for uid '
                                f'{s.narration_id} of {self.ann_file}')
            if teacher is not None:
                if teacher['action_logits'].numel() != num_actions:
                    raise DataError(
                        f'{self.teacher_file}: uid {s.narration_id}: '
                        f'"action_logits" has '
                        f'{teacher["action_logits"].numel()} classes but '
                        f'{self.action_file} {num_actions}')
                info['teacher_logits'] = teacher['action_logits']
                info['teacher_feature'] = teacher['lm_feature']
            data.append(info)
        return data

    def prepare_data(self, idx: int) -> Dict[str, Any]:
        info = self.get_data_info(idx)
        rows = info['rows']
        lo, hi = int(rows.min()), int(rows.max()) + 1
        window = self.features.read(info['video_id'], lo, hi)
        feats = torch.from_numpy(np.ascontiguousarray(window[rows - lo]))
        sample = _data_sample(info)
        if 'teacher_logits' in info:
            sample.set_field(info['teacher_logits'], 'teacher_logits')
            sample.set_field(info['teacher_feature'], 'teacher_feature')
        return dict(inputs=feats, data_samples=sample)
