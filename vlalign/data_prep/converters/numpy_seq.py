"""Per-sequence ``.npy`` arrays plus a label list -> PoseDataset annotations.

For pose data that some other tool already estimated: one ``NAME.npy`` per
sequence, of shape ``[T, V, C]`` (one person) or ``[M, T, V, C]``, with
``C == 2`` (x, y pixels; every score 1) or ``C == 3`` (x, y, score).

The label list (``.csv`` or ``.txt``) has one sequence per line::

    NAME,LABEL[,SPLIT]        # or separated by tabs or spaces

``NAME`` is the ``.npy`` stem (a ``.npy`` suffix is allowed), ``LABEL`` a
0-based int, ``SPLIT`` an optional split name (``train``, ``val``, ...).
Blank lines and ``#`` lines are ignored; a first line whose label is not an
int (``name,label,split``) is a header. Only the listed sequences are
converted, in the list's order. Without a split column the pickle has no
splits (``'split': {}``); a list must give a split on every line or none.
"""
import csv
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from vlalign.utils.errors import DataError

from .pickle_writer import Converted, iter_progress

_SEPARATORS = re.compile(r'[,\t ]+')


def read_label_list(path: str) -> List[Tuple[str, int, Optional[str]]]:
    """Read a label list (see the module docstring).

    Args:
        path (str): The ``.csv`` / ``.txt`` file.

    Returns:
        list[tuple[str, int, str | None]]: ``(name, label, split)`` per line.

    Raises:
        DataError: Missing file, a line without a label, a label that is not
            a non-negative int, a repeated name, or splits on some lines only;
            the message names the file and line.
    """
    if not os.path.isfile(path):
        raise DataError(f'label list {path} does not exist')
    with open(path, encoding='utf-8', newline='') as f:
        text = f.read()
    entries: List[Tuple[str, int, Optional[str]]] = []
    seen: Dict[str, int] = {}
    first_line = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        # csv handles quoted names with commas; other separators are split.
        fields = (next(csv.reader([line])) if ',' in line
                  else _SEPARATORS.split(line.strip()))
        fields = [f.strip() for f in fields]
        is_first, first_line = first_line, False
        if len(fields) not in (2, 3) or not fields[0]:
            raise DataError(f'{path}:{lineno}: expected NAME,LABEL[,SPLIT], '
                            f'got {line.strip()!r}')
        try:
            label = int(fields[1])
        except ValueError:
            if is_first:  # a header such as name,label,split
                continue
            raise DataError(f'{path}:{lineno}: label "{fields[1]}" is not an '
                            'integer') from None
        if label < 0:
            raise DataError(f'{path}:{lineno}: negative label {label}')
        name = fields[0][:-4] if fields[0].endswith('.npy') else fields[0]
        if name in seen:
            raise DataError(f'{path}:{lineno}: "{name}" repeats line '
                            f'{seen[name]}')
        seen[name] = lineno
        entries.append((name, label, fields[2] if len(fields) == 3 else None))
    if not entries:
        raise DataError(f'label list {path} lists no sequence')
    with_split = {split is not None for _, _, split in entries}
    if len(with_split) == 2:
        raise DataError(f'{path}: some lines give a split and some do not')
    return entries


def read_numpy_sequence(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Keypoints and scores of one ``.npy`` sequence.

    Args:
        path (str): ``[T, V, C]`` or ``[M, T, V, C]`` array, ``C`` 2 or 3.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``keypoint`` float32 ``[M, T, V, 2]``
        and ``keypoint_score`` float32 ``[M, T, V]`` (the third coordinate,
        or ones).

    Raises:
        DataError: Unreadable file, wrong shape, non-numbers or NaN/inf.
    """
    try:
        # allow_pickle=False: a pose array never needs it, and it runs code.
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DataError(f'{path} is not a readable .npy array: {e}') from e
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] not in (2, 3) or 0 in arr.shape:
        raise DataError(f'{path}: shape {arr.shape}, expected [T, V, 2|3] or '
                        '[M, T, V, 2|3] with no empty axis')
    if not (np.issubdtype(arr.dtype, np.floating)
            or np.issubdtype(arr.dtype, np.integer)):
        raise DataError(f'{path}: dtype {arr.dtype} is not numeric')
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise DataError(f'{path}: holds NaN/inf values')
    keypoint = np.ascontiguousarray(arr[..., :2])
    score = (arr[..., 2].copy() if arr.shape[-1] == 3 else
             np.ones(arr.shape[:3], np.float32))
    return keypoint, score


def _extent_shape(keypoint: np.ndarray) -> Tuple[int, int]:
    """``(H, W)`` that holds every keypoint: the ceiled maxima, at least 1."""
    return (max(1, int(np.ceil(keypoint[..., 1].max()))),
            max(1, int(np.ceil(keypoint[..., 0].max()))))


def convert_numpy_sequences(npy_dir: str, label_list: str,
                            img_shape: Optional[Sequence[int]] = None,
                            progress: bool = False) -> Converted:
    """Convert the sequences a label list names.

    Args:
        npy_dir (str): Folder of ``NAME.npy`` files.
        label_list (str): The label list (see the module docstring).
        img_shape (Sequence[int], optional): ``(H, W)`` of every sequence.
            Defaults to ``None``: per sequence, the ceiled maxima of its y and
            x (give the real frame size when it is known: mmaction2's
            ``PoseCompact``/``Resize`` use it).
        progress (bool): Show a progress bar. Defaults to ``False``.

    Returns:
        Converted: Annotations in the list's order and the splits of its
        third column (none without it).

    Raises:
        DataError: Missing folder or file, malformed list or array.
    """
    if not os.path.isdir(npy_dir):
        raise DataError(f'{npy_dir} is not a directory')
    entries = read_label_list(label_list)
    missing = [n for n, _, _ in entries
               if not os.path.isfile(os.path.join(npy_dir, n + '.npy'))]
    if missing:
        raise DataError(f'{label_list}: {len(missing)} listed sequences have '
                        f'no .npy in {npy_dir}, e.g. {missing[:5]}')
    if img_shape is not None:
        img_shape = tuple(int(v) for v in img_shape)
        if len(img_shape) != 2 or min(img_shape) <= 0:
            raise DataError(f'img_shape {img_shape} is not (H, W) > 0')
    by_name = {n: (label, split) for n, label, split in entries}
    annos: List[Dict] = []
    splits: Dict[str, List[str]] = {}
    for name in iter_progress([n for n, _, _ in entries], progress):
        label, split = by_name[name]
        keypoint, score = read_numpy_sequence(
            os.path.join(npy_dir, name + '.npy'))
        shape = img_shape or _extent_shape(keypoint)
        annos.append(dict(frame_dir=name, label=label, img_shape=shape,
                          original_shape=shape,
                          total_frames=int(keypoint.shape[1]),
                          keypoint=keypoint, keypoint_score=score))
        if split is not None:
            splits.setdefault(split, []).append(name)
    return Converted(annos, splits)
