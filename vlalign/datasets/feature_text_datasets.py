"""Datasets on precomputed video features: narration pairs and classification.

Both read per-video features ``[T, D]`` from a :class:`FeatureStore` and
average the rows of a time window into one vector ``[D]``; the text side is
precomputed too (:class:`~vlalign.datasets.narrations.TextEmbeddings`), so a
training step reads two small arrays and no text model runs.
"""
import json
import math
import os
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from vlalign.registry import DATASETS, register_collate_fn
from vlalign.utils.errors import ConfigError, DataError

from .feature_store import FeatureStore
from .narrations import TextEmbeddings

# Omnivore / VideoMAE features of Ego4D: one vector per 16 frames at 30 fps.
FEATURES_PER_SECOND = 30 / 16


def get_start_end_idx(t1: float, t2: float, feature_per_second: float,
                      nf: int) -> tuple:
    """Feature rows ``[start, end)`` covering the time window ``[t1, t2]``.

    Row ``i`` covers seconds ``[i / fps, (i + 1) / fps)``. As in the
    original Ego4D feature code, the window is clamped to the video:

    * ``t1 < 0`` starts at row 0;
    * ``t2`` past the end stops at the last row (``end = nf``);
    * ``t1 == t2`` (or a window inside one row) gives exactly one row;
    * ``t1`` past the end gives the last row alone.

    Args:
        t1 (float): Window start in seconds.
        t2 (float): Window end in seconds, ``>= t1``.
        feature_per_second (float): Feature rows per second (``30 / 16``
            for Omnivore / VideoMAE features of 30 fps video).
        nf (int): Rows of the video, ``T``.

    Returns:
        tuple[int, int]: ``(start, end)``, ``0 <= start < end <= nf``.

    Raises:
        ValueError: On an empty window: ``t2 < 0`` (it ends before the
            video), ``t2 < t1``, ``nf < 1`` or ``feature_per_second <= 0``.
            (The original asserted instead.)
    """
    if nf < 1:
        raise ValueError(f'no feature rows (nf={nf})')
    if feature_per_second <= 0:
        raise ValueError(f'feature_per_second must be > 0, got '
                         f'{feature_per_second}')
    if t2 < 0 or t2 < t1:
        raise ValueError(f'empty window [{t1}, {t2}] seconds')
    x1 = min(max(0, math.floor(t1 * feature_per_second)), nf - 1)
    x2 = min(math.floor(t2 * feature_per_second), nf - 1)
    return x1, x2 + 1


def window_indices(t1: np.ndarray, t2: np.ndarray, feature_per_second: float,
                   nf: np.ndarray) -> tuple:
    """Vectorised :func:`get_start_end_idx` for many windows.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: ``start``, ``end`` (int64)
        and ``valid`` (bool): invalid windows (``t2 < 0``, ``t2 < t1`` or
        ``nf < 1``) have ``start = end = 0``.
    """
    t1, t2 = np.asarray(t1, np.float64), np.asarray(t2, np.float64)
    nf = np.asarray(nf, np.int64)
    valid = (t2 >= 0) & (t2 >= t1) & (nf >= 1)
    x1 = np.minimum(np.maximum(0, np.floor(t1 * feature_per_second)), nf - 1)
    x2 = np.minimum(np.floor(t2 * feature_per_second), nf - 1)
    start = np.where(valid, x1, 0).astype(np.int64)
    end = np.where(valid, x2 + 1, 0).astype(np.int64)
    return start, end, valid


@register_collate_fn
def feature_text_collate(batch: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Collate items of the feature-text datasets.

    ``inputs['video']`` and ``inputs['text']`` are stacked to ``[B, D]`` /
    ``[B, C]``; ``inputs['class_text']`` (``[K, C]``, the same tensor in
    every item of a classification set) is taken once; ``data_samples``
    stay a list.
    """
    inputs: Dict[str, torch.Tensor] = {}
    first = batch[0]['inputs']
    for key in first:
        if key == 'class_text':
            inputs[key] = first[key]
        else:
            inputs[key] = torch.stack([b['inputs'][key] for b in batch])
    return dict(inputs=inputs, data_samples=[b['data_samples'] for b in batch])



def _check_dim(actual: int, expected: Optional[int], path: str,
               what: str) -> None:
    if expected is not None and int(expected) != actual:
        raise ConfigError(f'{path}: {what} are {actual}-d but the config '
                          f'expects {int(expected)}-d')


def _missing_key_error(store: FeatureStore, key: str,
                       source: str) -> DataError:
    return DataError(f'{store.path}: no feature key "{key}" (requested by '
                     f'{source})')


class _FeatureWindowDataset(BaseDataset, metaclass=ABCMeta):
    """Shared machinery: a store, windows ``[start, end)`` and their mean.

    Subclasses fill ``self._keys`` (key per item), ``self._start`` and
    ``self._end`` in :meth:`_build_index`.
    """

    def __init__(self, feature_file: str, feature_dim: Optional[int] = None,
                 index_file: Optional[str] = None, **kwargs: Any) -> None:
        self.feature_file = feature_file
        self.store = FeatureStore(feature_file, index_file=index_file)
        _check_dim(self.store.dim, feature_dim, feature_file,
                   'features (feature_dim)')
        if kwargs.get('indices') is not None:
            # Items live in arrays, not in BaseDataset's data_list.
            raise ConfigError(f'{type(self).__name__} does not support '
                              '`indices`; subset the narration or annotation '
                              'file instead')
        kwargs.setdefault('serialize_data', False)
        kwargs.setdefault('pipeline', [])
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        # Items live in flat arrays (millions of narrations would make
        # millions of dicts); see _build_index.
        self._build_index()
        return []

    @abstractmethod
    def _build_index(self) -> None:
        """Fill the item arrays (``_start``, ``_end``, ...) of the subclass."""

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self._start)

    def window_feature(self, idx: int) -> np.ndarray:
        """Mean of the window's rows, ``[D]`` float32."""
        return self.store.window_mean(self._keys[idx], self._start[idx],
                                      self._end[idx])

    def __getitem__(self, idx: int) -> Dict[str, Any]:
        # Items never fail to load (keys and windows are checked when the
        # index is built), so BaseDataset's re-fetch loop is not needed.
        if not self._fully_initialized:
            self.full_init()
        return self.prepare_data(idx)

    def get_data_info(self, idx: int) -> dict:
        return dict(key=self._keys[idx], start=int(self._start[idx]),
                    end=int(self._end[idx]), sample_idx=idx)


@DATASETS.register_module()
class FeatureNarrationDataset(_FeatureWindowDataset):
    """Video-feature / narration-embedding pairs.

    Item ``i`` is narration ``i`` of ``narration_file``: its precomputed
    text embedding ``[C]`` and the mean of its video's features over
    ``[t - offset_sec, t + offset_sec]`` (rows from
    :func:`get_start_end_idx`), ``[D]``.

    Args:
        feature_file (str): HDF5 :class:`FeatureStore` keyed by video uid.
        narration_file (str): Prefix of the narration
            :class:`~vlalign.datasets.narrations.TextEmbeddings` (written by
            ``tools/data/encode_narrations.py``).
        features_per_second (float): Feature rows per second. Defaults to
            ``30 / 16``.
        offset_sec (float): Half width of the window. Defaults to ``0.1``
            (a short window means one or two feature rows).
        feature_dim (int, optional): Expected ``D``; another raises
            :class:`ConfigError`. Defaults to ``None``.
        text_dim (int, optional): Expected ``C``. Defaults to ``None``.
        text_in_memory (bool): Read all embeddings into one float32 tensor
            (fast; Ego4D's ~3.8M mpnet narrations take ~11 GiB, shared by
            forked workers) or memory-map the array and copy rows per item.
            Defaults to ``True``.
        missing_keys (str): ``'error'`` (a narration of a video the store
            lacks raises :class:`DataError`) or ``'skip'`` (such narrations
            are dropped and counted in the log). Defaults to ``'error'``.
        index_file (str, optional): The store's key index. Defaults to the
            sidecar beside ``feature_file``.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``test_mode``, ``indices``, ...).
    """

    def __init__(self, feature_file: str, narration_file: str,
                 features_per_second: float = FEATURES_PER_SECOND,
                 offset_sec: float = 0.1,
                 feature_dim: Optional[int] = None,
                 text_dim: Optional[int] = None,
                 missing_keys: str = 'error',
                 text_in_memory: bool = True,
                 index_file: Optional[str] = None,
                 **kwargs: Any) -> None:
        if missing_keys not in ('error', 'skip'):
            raise ConfigError(f'missing_keys must be "error" or "skip", got '
                              f'"{missing_keys}"')
        self.narration_file = narration_file
        self.features_per_second = float(features_per_second)
        self.offset_sec = float(offset_sec)
        self.missing_keys = missing_keys
        self.text_in_memory = text_in_memory
        self.texts = TextEmbeddings(narration_file, mmap=not text_in_memory)
        _check_dim(self.texts.dim, text_dim, self.texts.paths['array'],
                   'text embeddings (text_dim)')
        super().__init__(feature_file, feature_dim=feature_dim,
                         index_file=index_file, **kwargs)

    def _build_index(self) -> None:
        store, items = self.store, self.texts.items
        source = self.texts.paths['meta']
        keep: List[int] = []
        keys: List[str] = []
        times: List[float] = []
        missing = 0
        for i, item in enumerate(items):
            for field in ('video_uid', 'timestamp_sec'):
                if field not in item:
                    raise DataError(f'{source}: item {i} has no field '
                                    f'"{field}"')
            key = item['video_uid']
            if key not in store:
                if self.missing_keys == 'error':
                    raise _missing_key_error(store, key, source)
                missing += 1
                continue
            keep.append(i)
            keys.append(key)
            times.append(float(item['timestamp_sec']))
        t = np.asarray(times, np.float64)
        nf = np.asarray([store.num_frames(k) for k in keys], np.int64)
        start, end, valid = window_indices(t - self.offset_sec,
                                           t + self.offset_sec,
                                           self.features_per_second, nf)
        if missing or not valid.all():
            print_log(f'{type(self).__name__}: dropped {missing} narrations '
                      f'of videos missing from {store.path} and '
                      f'{int((~valid).sum())} with an empty window',
                      logger='current')
        self._rows = np.asarray(keep, np.int64)[valid]
        self._keys = [k for k, v in zip(keys, valid) if v]
        self._start, self._end = start[valid], end[valid]
        if len(self._rows) == 0:
            raise DataError(f'{source}: no narration left for {store.path}')
        # One float32 tensor of all embeddings; an item's text is a row view.
        self._text = torch.from_numpy(np.ascontiguousarray(
            self.texts.embeddings, dtype=np.float32)) \
            if self.text_in_memory else None

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info.update(self.texts.items[int(self._rows[idx])])
        return info

    def prepare_data(self, idx: int) -> Dict[str, Any]:
        video = torch.from_numpy(self.window_feature(idx))
        row = self._rows[idx]
        text = self._text[row] if self._text is not None else \
            torch.from_numpy(np.array(self.texts.embeddings[row],
                                      dtype=np.float32))
        # Training needs no per-item sample object (the loss reads inputs
        # only); evaluation keeps the index and key of each pair.
        sample = BaseDataElement(metainfo=dict(
            sample_idx=idx, key=self._keys[idx])) if self.test_mode else None
        return dict(inputs=dict(video=video, text=text), data_samples=sample)


@DATASETS.register_module()
class FeatureClassificationDataset(_FeatureWindowDataset):
    """Feature key + label, for zero-shot classification by text prompts.

    ``ann_file`` is a JSON list of ``{"key": str, "label": int}`` with
    optional ``"start_sec"`` / ``"end_sec"`` (default: the whole video).
    Each item carries the class prompt embeddings ``[K, C]`` (one shared
    tensor) as ``inputs['class_text']``, so the model scores every class
    without a text encoder; build them with ``tools/data/encode_narrations.py
    --classes FILE --prompt PROMPT`` (the original: ``'{label}'``, the names
    as they are, for Charades-Ego; ``'The person in this video is doing
    {label}'`` for Kinetics).

    Args:
        feature_file (str): HDF5 :class:`FeatureStore`.
        ann_file (str): The JSON annotation list.
        class_file (str): Class names, one per line (``metainfo['classes']``).
        class_embedding_file (str): Prefix of the ``[K, C]`` class
            :class:`~vlalign.datasets.narrations.TextEmbeddings`, in
            ``class_file`` order.
        features_per_second (float): Defaults to ``30 / 16``.
        feature_dim (int, optional): Expected ``D``. Defaults to ``None``.
        text_dim (int, optional): Expected ``C``. Defaults to ``None``.
        index_file (str, optional): The store's key index. Defaults to the
            sidecar.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self, feature_file: str, ann_file: str, class_file: str,
                 class_embedding_file: str,
                 features_per_second: float = FEATURES_PER_SECOND,
                 feature_dim: Optional[int] = None,
                 text_dim: Optional[int] = None,
                 index_file: Optional[str] = None,
                 **kwargs: Any) -> None:
        if not os.path.isfile(class_file):
            raise DataError(f'{class_file}: class file not found')
        with open(class_file) as f:
            classes = [line.strip() for line in f if line.strip()]
        emb = TextEmbeddings(class_embedding_file)
        if len(emb) != len(classes):
            raise DataError(f'{emb.paths["array"]}: {len(emb)} class '
                            f'embeddings for {len(classes)} classes of '
                            f'{class_file}')
        _check_dim(emb.dim, text_dim, emb.paths['array'],
                   'class embeddings (text_dim)')
        self.class_file = class_file
        self.features_per_second = float(features_per_second)
        self.class_text = torch.from_numpy(
            np.asarray(emb.embeddings, dtype=np.float32))
        metainfo = dict(kwargs.pop('metainfo', None) or {},
                        classes=tuple(classes))
        super().__init__(feature_file, feature_dim=feature_dim,
                         index_file=index_file, ann_file=ann_file,
                         metainfo=metainfo, **kwargs)

    def _build_index(self) -> None:
        path, store = self.ann_file, self.store
        try:
            with open(path) as f:
                anns = json.load(f)
        except (OSError, ValueError) as e:
            raise DataError(f'{path}: cannot read annotations ({e})') from e
        if not isinstance(anns, list) or not anns:
            raise DataError(f'{path}: expected a non-empty JSON list')
        num_classes = len(self.metainfo['classes'])
        keys, labels, starts, ends = [], [], [], []
        for i, ann in enumerate(anns):
            for field in ('key', 'label'):
                if not isinstance(ann, dict) or field not in ann:
                    raise DataError(f'{path}: item {i} has no field '
                                    f'"{field}"')
            key, label = str(ann['key']), ann['label']
            if key not in store:
                raise _missing_key_error(store, key, path)
            if not isinstance(label, int) or not 0 <= label < num_classes:
                raise DataError(f'{path}: item {i} (key "{key}") field '
                                f'"label" = {label!r} is not in '
                                f'[0, {num_classes})')
            nf = store.num_frames(key)
            t1 = float(ann.get('start_sec', 0.0))
            t2 = float(ann.get('end_sec', nf / self.features_per_second))
            try:
                s, e = get_start_end_idx(t1, t2, self.features_per_second, nf)
            except ValueError as err:
                raise DataError(f'{path}: item {i} (key "{key}") fields '
                                f'"start_sec"/"end_sec": {err}') from err
            keys.append(key)
            labels.append(label)
            starts.append(s)
            ends.append(e)
        self._keys = keys
        self._labels = np.asarray(labels, np.int64)
        self._start = np.asarray(starts, np.int64)
        self._end = np.asarray(ends, np.int64)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['label'] = int(self._labels[idx])
        return info

    def prepare_data(self, idx: int) -> Dict[str, Any]:
        from mmaction.structures import ActionDataSample
        sample = ActionDataSample().set_gt_label(int(self._labels[idx]))
        sample.set_metainfo(dict(sample_idx=idx, key=self._keys[idx]))
        return dict(inputs=dict(video=torch.from_numpy(
            self.window_feature(idx)), class_text=self.class_text),
            data_samples=sample)
