"""EPIC-KITCHENS-100 segments over precomputed per-frame features, for
verb/noun recognition."""
import os
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from vlalign.registry import DATASETS, TRANSFORMS
from vlalign.utils.errors import ConfigError, DataError
from .epic_kitchens import (EPIC_100_FPS, load_epic_annotations,
                            load_epic_classes)


class NpyFeatureFolder:
    """A folder of per-video ``<key>.npy`` feature files ``[T, D]``, with
    the reading interface of :class:`~vlalign.datasets.FeatureStore`.

    Files are memory-mapped, so reading a segment touches only its rows.

    Args:
        root (str): The folder.

    Raises:
        DataError: If ``root`` is no folder or holds no ``.npy`` file.
    """

    def __init__(self, root: str) -> None:
        if not os.path.isdir(root):
            raise DataError(f'{root}: feature folder not found')
        self.root = root
        self._keys = sorted(n[:-4] for n in os.listdir(root)
                            if n.endswith('.npy'))
        if not self._keys:
            raise DataError(f'{root}: no <video_id>.npy feature file')
        self._key_set = set(self._keys)
        self._shapes: Dict[str, tuple] = {}
        self._dim: Optional[int] = None

    def __contains__(self, key: object) -> bool:
        return key in self._key_set

    @property
    def keys(self) -> List[str]:
        return list(self._keys)

    def _open(self, key: str) -> np.ndarray:
        path = os.path.join(self.root, f'{key}.npy')
        try:
            arr = np.load(path, mmap_mode='r')
        except (OSError, ValueError) as e:
            raise DataError(f'{path}: unreadable feature file ({e})') from e
        if arr.ndim != 2 or arr.shape[0] < 1:
            raise DataError(f'{path}: features of shape {arr.shape}, expected '
                            '[T, D] with T >= 1')
        return arr

    def num_frames(self, key: str) -> int:
        """int: Feature rows ``T`` of ``key``."""
        if key not in self._shapes:
            self._shapes[key] = self._open(key).shape
        return int(self._shapes[key][0])

    @property
    def dim(self) -> int:
        """int: Feature dimension ``D`` (of the first file)."""
        if self._dim is None:
            self._dim = int(self._open(self._keys[0]).shape[1])
        return self._dim

    def read(self, key: str, start: int, end: int) -> np.ndarray:
        """Rows ``[start, end)`` of ``key`` as float32 ``[end - start, D]``."""
        return np.asarray(self._open(key)[start:end], dtype=np.float32)


def sample_segment_rows(first: int, last: int, num_samples: int,
                        random: bool = False,
                        rng: Optional[np.random.Generator] = None
                        ) -> np.ndarray:
    """Pick ``num_samples`` rows of the segment ``[first, last]`` (inclusive).

    The segment is cut into ``num_samples`` equal bins (TSN-style); test mode
    takes each bin's centre, training a uniformly random point in each bin.
    Segments shorter than ``num_samples`` rows repeat rows.

    Args:
        first (int): First row.
        last (int): Last row, ``>= first``.
        num_samples (int): Rows to pick.
        random (bool): Jitter inside each bin. Defaults to ``False``.
        rng (np.random.Generator, optional): For the jitter. Defaults to
            ``np.random`` (seeded per worker by mmengine).

    Returns:
        np.ndarray: ``[num_samples]`` int64 rows, non-decreasing.
    """
    length = last - first + 1
    offsets = (rng.random(num_samples) if rng is not None
               else np.random.random(num_samples)) if random else 0.5
    pos = (np.arange(num_samples) + offsets) * length / num_samples
    rows = first + np.floor(pos).astype(np.int64)
    return np.clip(rows, first, last)


@DATASETS.register_module()
class EpicVerbNounDataset(BaseDataset):
    """EPIC-KITCHENS-100 action segments as fixed-length feature clips.

    Each segment (a row of ``EPIC_100_train.csv`` or
    ``EPIC_100_validation.csv``) becomes ``num_frames`` feature rows
    ``[T, D]`` sampled from its video's features, with its verb and noun
    class. Features are keyed by ``video_id``: either an HDF5
    :class:`~vlalign.datasets.FeatureStore` (``feature_file``) or a folder of
    ``<video_id>.npy`` files (``feature_dir``). ``feature_fps=None`` means one
    row per 60 fps frame (row = frame number); otherwise a frame number ``f``
    maps to row ``floor(f * feature_fps / frame_fps)``.

    Every segment is checked when the dataset is built: its video must have
    features and its first row must exist (the last is clipped to the video,
    as feature extractors may drop the final frames); labels must lie within
    the class files.

    Args:
        ann_file (str): EPIC-100 segment CSV (or ``.pkl`` with pandas).
        feature_file (str, optional): HDF5 feature store. Defaults to
            ``None``.
        feature_dir (str, optional): Folder of ``<video_id>.npy``. Defaults
            to ``None``. Exactly one of the two is required.
        verb_class_file (str, optional): ``EPIC_100_verb_classes.csv``.
            Defaults to ``None``.
        noun_class_file (str, optional): ``EPIC_100_noun_classes.csv``.
            Defaults to ``None``.
        num_frames (int): Rows sampled per segment ``T``. Defaults to ``16``.
        feature_fps (float, optional): Feature rows per second. Defaults to
            ``None`` (one row per frame).
        frame_fps (float): Rate of the annotation frame numbers. Defaults to
            ``60``.
        feature_dim (int, optional): Expected ``D``; checked against the
            features. Defaults to ``None``.
        random_sampling (bool, optional): Jitter inside each bin. Defaults
            to ``None`` (on in training, off in ``test_mode``).
        pipeline (list): Transforms. Defaults to
            ``[dict(type='PackVerbNounInputs')]``.
        test_mode (bool): Defaults to ``False``.
        **kwargs: More :class:`mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 feature_file: Optional[str] = None,
                 feature_dir: Optional[str] = None,
                 verb_class_file: Optional[str] = None,
                 noun_class_file: Optional[str] = None,
                 num_frames: int = 16,
                 feature_fps: Optional[float] = None,
                 frame_fps: float = EPIC_100_FPS,
                 feature_dim: Optional[int] = None,
                 random_sampling: Optional[bool] = None,
                 pipeline: Sequence[Union[Dict, Callable]] = (
                     dict(type='PackVerbNounInputs'), ),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if (feature_file is None) == (feature_dir is None):
            raise ConfigError(f'EpicVerbNounDataset({ann_file}): give exactly '
                              'one of feature_file (HDF5) or feature_dir '
                              '(folder of <video_id>.npy)')
        if num_frames < 1:
            raise ConfigError(f'num_frames must be >= 1, got {num_frames}')
        self.feature_file = feature_file
        self.feature_dir = feature_dir
        self.verb_class_file = verb_class_file
        self.noun_class_file = noun_class_file
        self.num_frames = int(num_frames)
        self.feature_fps = feature_fps
        self.frame_fps = float(frame_fps)
        self.feature_dim = feature_dim
        self.random_sampling = (not test_mode if random_sampling is None
                                else bool(random_sampling))
        self._features = None
        # Registered names resolve in vlalign's scope even without a runner.
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                    for t in pipeline]
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    # ----------------------------------------------------------- features
    @property
    def features(self):
        """The feature source, opened once per process (lazily)."""
        if self._features is None:
            if self.feature_file is not None:
                from .feature_store import FeatureStore
                self._features = FeatureStore(self.feature_file)
            else:
                self._features = NpyFeatureFolder(self.feature_dir)
        return self._features

    def frame_to_row(self, frame: int) -> int:
        """Feature row of an annotation frame number."""
        if self.feature_fps is None:
            return int(frame)
        return int(np.floor(frame * self.feature_fps / self.frame_fps))

    # ------------------------------------------------------------ loading
    def load_data_list(self) -> List[Dict]:
        segments = load_epic_annotations(self.ann_file)
        verbs = (load_epic_classes(self.verb_class_file)
                 if self.verb_class_file else None)
        nouns = (load_epic_classes(self.noun_class_file)
                 if self.noun_class_file else None)
        self._metainfo.update(
            verb_classes=tuple(verbs) if verbs else None,
            noun_classes=tuple(nouns) if nouns else None)
        features = self.features
        if self.feature_dim is not None and features.dim != self.feature_dim:
            raise ConfigError(
                f'{self.feature_file or self.feature_dir}: features are '
                f'{features.dim}-d but feature_dim is {self.feature_dim}')
        known = set(features.keys)
        data_list = []
        for seg in segments:
            where = f'{self.ann_file}: row {seg.narration_id}'
            for label, names, kind in ((seg.verb_class, verbs, 'verb'),
                                       (seg.noun_class, nouns, 'noun')):
                if names is not None and label >= len(names):
                    raise DataError(
                        f'{where}: column "{kind}_class" is {label}, outside '
                        f'the {len(names)} classes of '
                        f'{getattr(self, kind + "_class_file")}')
            if seg.video_id not in known:
                raise DataError(
                    f'{where}: column "video_id": no features for '
                    f'"{seg.video_id}" in '
                    f'{self.feature_file or self.feature_dir}')
            total = features.num_frames(seg.video_id)
            first = self.frame_to_row(seg.start_frame)
            last = min(self.frame_to_row(seg.stop_frame), total - 1)
            if first >= total:
                raise DataError(
                    f'{where}: column "start_frame" {seg.start_frame} is row '
                    f'{first}, past the {total} feature rows of '
                    f'"{seg.video_id}" (check feature_fps={self.feature_fps})')
            data_list.append(dict(
                narration_id=seg.narration_id, video_id=seg.video_id,
                participant_id=seg.participant_id,
                start_frame=seg.start_frame, stop_frame=seg.stop_frame,
                first_row=first, last_row=last,
                verb_label=seg.verb_class, noun_label=seg.noun_class))
        return data_list

    def prepare_data(self, idx: int) -> Dict:
        info = self.get_data_info(idx)
        rows = sample_segment_rows(info['first_row'], info['last_row'],
                                   self.num_frames, self.random_sampling)
        # Read the covered span once, then index (HDF5 reads need a range).
        span = self.features.read(info['video_id'], int(rows[0]),
                                  int(rows[-1]) + 1)
        info['feats'] = span[rows - rows[0]]
        info['frame_inds'] = rows
        return self.pipeline(info)
