"""Writers of the formats vlalign's datasets read, for offline use.

Converters, demo generators and ``tools/data/`` write with these; the
runtime readers stay in :mod:`vlalign.datasets` (``FeatureStore``,
``TextEmbeddings``, :func:`~vlalign.datasets.epic_kitchens.load_epic_annotations`).
Every file is written atomically (``vlalign.utils.atomic_io``), so a reader
never sees half of one.

- :func:`write_feature_store`: ``(key, [T, D])`` pairs -> one HDF5 store and
  its key index;
- :func:`write_text_embeddings`: ``[N, C]`` embeddings + metadata records;
- :func:`write_epic_annotations`, :func:`write_epic_classes`: EPIC-KITCHENS-100
  segment and class CSVs with the published headers;
- :func:`write_zsl_features`: stage-1 features in the published two-stage
  layout (``train.npy``, ``ztest.npy``, ``gtest.npy`` and labels);
- :func:`save_teacher_predictions`: an anticipation teacher's exported
  predictions (read by ``load_teacher_predictions``).
"""
import csv
import json
import os
import os.path as osp
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from vlalign.datasets.epic_kitchens import (EPIC_100_COLUMNS, EPIC_100_FPS,
                                            EPIC_CLASS_COLUMNS, EpicSegment,
                                            _timestamp)
from vlalign.datasets.feature_store import (INDEX_VERSION, _import_h5py,
                                            default_index_file)
from vlalign.datasets.anticipation_datasets import (TEACHER_FIELDS,
                                                    TEACHER_FILE_VERSION)
from vlalign.datasets.narrations import embedding_paths
from vlalign.datasets.zsl_features import (META_FILE, SPLIT_FILES,
                                           ZSLFeatureSplit, frames_file)
from vlalign.utils.atomic_io import atomic_open, atomic_path
from vlalign.utils.errors import DataError


def _atomic_json(obj: Dict[str, Any], path: str) -> None:
    with atomic_open(path, 'w') as f:
        json.dump(obj, f)


def write_feature_store(items: Iterable[Tuple[str, np.ndarray]],
                        path: str,
                        index_file: Optional[str] = None,
                        dtype: str = 'float32',
                        compression: Optional[str] = None,
                        expected_dim: Optional[int] = None) -> str:
    """Write ``(key, features [T, D])`` pairs into one HDF5 store.

    The HDF5 file and its sidecar key index are each written to a temporary
    file in the destination folder and moved into place with
    :func:`os.replace`; on any error neither is written (existing files are
    kept).

    Args:
        items (Iterable[tuple[str, np.ndarray]]): Keys and ``[T, D]`` arrays
            (``T >= 1``, one ``D`` for all).
        path (str): Destination HDF5 file; its folder is created if needed.
        index_file (str, optional): Sidecar key index. Defaults to
            ``path + '.keys.json'``.
        dtype (str): Storage dtype. Defaults to ``'float32'``.
        compression (str, optional): h5py compression, e.g. ``'gzip'``
            (smaller, slower to read). Defaults to ``None``.
        expected_dim (int, optional): Reject features of another ``D``.
            Defaults to ``None``.

    Returns:
        str: ``path``.

    Raises:
        DataError: On an empty key, a duplicate key, a non-``[T, D]`` array,
            a ``D`` that differs from the first (or ``expected_dim``), or no
            item at all.
    """
    h5py = _import_h5py()
    path = str(path)
    index_file = str(index_file or default_index_file(path))
    keys: List[str] = []
    frames: List[int] = []
    seen = set()
    datasets: List[Any] = []
    offsets: List[Optional[int]] = []
    dim = None if expected_dim is None else int(expected_dim)
    with atomic_path(path) as tmp, h5py.File(tmp, 'w') as f:
        for key, feats in items:
            key = str(key)
            if not key or key.startswith('/'):
                raise DataError(f'{path} not written: invalid key '
                                f'"{key}"')
            if key in seen:
                raise DataError(f'{path} not written: duplicate key '
                                f'"{key}"')
            arr = np.asarray(feats)
            if arr.ndim != 2 or arr.shape[0] < 1:
                raise DataError(f'{path} not written: key "{key}" has '
                                f'shape {tuple(arr.shape)}, expected '
                                '[T, D] with T >= 1')
            if dim is None:
                dim = int(arr.shape[1])
            elif arr.shape[1] != dim:
                raise DataError(f'{path} not written: key "{key}" is '
                                f'{arr.shape[1]}-d, expected {dim}-d')
            ds = f.create_dataset(
                key, data=arr.astype(dtype, copy=False),
                compression=compression)
            datasets.append(ds)
            seen.add(key)
            keys.append(key)
            frames.append(int(arr.shape[0]))
        if not keys:
            raise DataError(f'{path} not written: no features given')
        f.attrs['dim'] = dim
        f.flush()
        # Byte offsets of contiguous datasets (None when chunked or
        # compressed): readers memory-map those instead of asking HDF5.
        offsets = [ds.id.get_offset() for ds in datasets]
        del datasets[:]
    _atomic_json(dict(version=INDEX_VERSION, file=os.path.basename(path),
                      dim=dim, dtype=str(np.dtype(dtype)), keys=keys,
                      num_frames=frames,
                      offsets=[None if o is None else int(o)
                               for o in offsets],
                      file_size=os.path.getsize(path)), index_file)
    return path


def _atomic_write(path: str, write: Callable[[Any], None], mode: str) -> None:
    with atomic_open(path, mode) as f:
        write(f)


def write_text_embeddings(prefix: str, embeddings: np.ndarray,
                          meta: Sequence[Dict[str, Any]],
                          info: Optional[Dict[str, Any]] = None,
                          dtype: str = 'float32') -> Dict[str, str]:
    """Write ``[N, C]`` embeddings and their ``N`` metadata records.

    The array goes to ``<prefix>.npy``, the metadata to ``<prefix>.json``
    (``{'info': ..., 'items': [...]}``), each atomically; the JSON is
    written last, so a reader that finds it finds the matching array.

    Returns:
        dict: The two paths (:func:`embedding_paths`).

    Raises:
        DataError: If the array is not 2-d or its row count differs from
            ``len(meta)``.
    """
    paths = embedding_paths(prefix)
    emb = np.asarray(embeddings)
    if emb.ndim != 2 or emb.shape[0] != len(meta):
        raise DataError(f'{paths["array"]} not written: embeddings of shape '
                        f'{tuple(emb.shape)} for {len(meta)} metadata items')
    emb = emb.astype(dtype, copy=False)
    _atomic_write(paths['array'], lambda f: np.save(f, emb), 'wb')
    doc = dict(info=dict(info or {}, dim=int(emb.shape[1]), count=len(meta)),
               items=list(meta))
    _atomic_write(paths['meta'], lambda f: json.dump(doc, f), 'w')
    return paths


def _atomic_write_csv(path: str, header: Sequence[str],
                      rows: Sequence[Sequence[object]]) -> str:
    """Write a CSV to a temp file beside ``path`` then move it into place."""
    with atomic_open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_epic_annotations(path: str, segments: Sequence[EpicSegment],
                           fps: float = EPIC_100_FPS) -> str:
    """Write segments as an EPIC-100 segment CSV with the full published
    header (:data:`EPIC_100_COLUMNS`), atomically.

    Empty timestamps are derived from the frame numbers at ``fps``; the
    narration timestamp is the start timestamp; ``all_nouns`` /
    ``all_noun_classes`` hold the single noun, as Python list literals like
    the published files.

    Args:
        path (str): Destination ``.csv``.
        segments (Sequence[EpicSegment]): Rows to write.
        fps (float): Frame rate for derived timestamps. Defaults to ``60``.

    Returns:
        str: ``path``.

    Raises:
        DataError: If there is no segment, or a ``narration_id`` repeats.
    """
    if not segments:
        raise DataError(f'{path} not written: no segment')
    ids = [s.narration_id for s in segments]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DataError(f'{path} not written: duplicate narration_id {dup}')
    rows = []
    for s in segments:
        start_ts = s.start_timestamp or _timestamp(s.start_frame / fps)
        stop_ts = s.stop_timestamp or _timestamp(s.stop_frame / fps)
        rows.append([
            s.narration_id, s.participant_id, s.video_id, start_ts, start_ts,
            stop_ts, s.start_frame, s.stop_frame,
            s.narration or f'{s.verb} {s.noun}'.strip(), s.verb, s.verb_class,
            s.noun, s.noun_class, repr([s.noun]), repr([s.noun_class])])
    return _atomic_write_csv(path, EPIC_100_COLUMNS, rows)


def write_epic_classes(path: str, names: Sequence[str],
                       categories: Optional[Sequence[str]] = None) -> str:
    """Write a class file in the published ``id,key,instances,category``
    format, atomically (``instances`` lists the key itself).

    Args:
        path (str): Destination ``.csv``.
        names (Sequence[str]): Class keys, index = id.
        categories (Sequence[str], optional): One category per class.
            Defaults to ``None`` (``'demo'``).

    Returns:
        str: ``path``.

    Raises:
        DataError: If ``names`` is empty, holds an empty or repeated name, or
            ``categories`` has another length.
    """
    names = [str(n) for n in names]
    if not names or not all(n.strip() for n in names):
        raise DataError(f'{path} not written: empty class list or name')
    if len(set(names)) != len(names):
        raise DataError(f'{path} not written: duplicate class names')
    if categories is not None and len(categories) != len(names):
        raise DataError(f'{path} not written: {len(categories)} categories '
                        f'for {len(names)} classes')
    cats = list(categories) if categories is not None else ['demo'] * len(names)
    rows = [[i, n, repr([n]), c] for i, (n, c) in enumerate(zip(names, cats))]
    return _atomic_write_csv(path, EPIC_CLASS_COLUMNS, rows)


def write_zsl_feature_file(root: str, name: str, array: np.ndarray) -> str:
    """Write one ``.npy`` of a feature folder atomically; returns its path."""
    path = osp.join(root, name)
    with atomic_path(path) as tmp:
        np.save(tmp, np.ascontiguousarray(array))
    return path


def write_zsl_features(root: str, splits: Dict[str, ZSLFeatureSplit],
                       meta: Optional[Dict[str, Any]] = None) -> None:
    """Write a whole feature folder (each file atomic, ``meta.json`` last).

    Args:
        root (str): Destination folder (created).
        splits (dict): ``{'train' | 'ztest' | 'gtest': ZSLFeatureSplit}``.
        meta (dict, optional): Written to ``meta.json``.
    """
    os.makedirs(root, exist_ok=True)
    for split, data in splits.items():
        f_name, l_name = SPLIT_FILES[split]
        write_zsl_feature_file(root, f_name,
                               np.asarray(data.features, np.float32))
        write_zsl_feature_file(root, l_name, np.asarray(data.labels,
                                                        np.int64))
        if data.frames is not None:
            write_zsl_feature_file(root, frames_file(split),
                                   np.asarray(data.frames, np.float32))
    with atomic_open(osp.join(root, META_FILE), 'w') as f:
        json.dump(meta or {}, f, indent=2)


def save_teacher_predictions(records: Sequence[Dict[str, Any]], path: str,
                             meta: Optional[Dict[str, Any]] = None) -> str:
    """Write teacher predictions to one ``.pt`` file, atomically.

    The file holds ``{'version': 1, 'meta': meta, 'predictions': [record,
    ...]}``; each record is ``{'uid': str, 'action_logits': Tensor [A],
    'lm_feature': Tensor [C]}`` (optionally ``verb_logits`` / ``noun_logits``).

    Raises:
        DataError: If a record lacks a field or a uid repeats.
    """
    uids = set()
    clean = []
    for i, rec in enumerate(records):
        missing = [k for k in TEACHER_FIELDS if k not in rec]
        if missing:
            raise DataError(f'{path} not written: record {i} lacks {missing}')
        if rec['uid'] in uids:
            raise DataError(f'{path} not written: uid {rec["uid"]} repeats')
        uids.add(rec['uid'])
        clean.append({k: (torch.as_tensor(v).detach().cpu().float()
                          if k != 'uid' else str(v)) for k, v in rec.items()})
    with atomic_path(path) as tmp:
        torch.save(dict(version=TEACHER_FILE_VERSION, meta=dict(meta or {}),
                        predictions=clean), tmp)
    return path
