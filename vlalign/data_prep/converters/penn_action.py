"""Penn Action label ``.mat`` files -> PoseDataset annotations.

Penn Action (Zhang, Zhu, Derpanis, ICCV 2013) ships one MATLAB file per video
(``labels/0001.mat`` ...) with the fields ``action`` (e.g.
``'baseball_pitch'``), ``pose`` (the view: front/back/left/right), ``x``,
``y`` ``[T, 13]`` pixels, ``visibility`` ``[T, 13]`` 0/1, ``bbox``
``[T, 4]``, ``dimensions`` ``[H, W, T]``, ``nframes`` and ``train`` (1 train,
-1 test).

Conventions (those of the pyskl-format pickle this project was checked
against): ``frame_dir`` is the file stem (``'0001'``); ``label`` the index of
the action in :data:`PENN_ACTION_CLASSES` (underscores read as spaces);
``keypoint`` ``[1, T, 13, 2]`` = (x, y), ``keypoint_score`` = visibility;
``img_shape`` = ``original_shape`` = ``dimensions[:2]``; ``total_frames`` =
the rows of ``x``; ``bbox`` (float32, as stored: two videos have one row fewer
than frames) and ``view`` (the ``pose`` string) kept; splits ``'train'`` and
``'test'`` from the ``train`` field; the top-level key ``'joints'`` names the
13 joints (:data:`PENN_ACTION_JOINTS`).
"""
import os
from typing import Any, Dict, List, Tuple

import numpy as np

from vlalign.utils.errors import DataError

from .pickle_writer import Converted, iter_progress, list_source_files

PENN_ACTION_CLASSES = (
    'baseball pitch', 'baseball swing', 'bench press', 'bowl',
    'clean and jerk', 'golf swing', 'jump rope', 'jumping jacks', 'pullup',
    'pushup', 'situp', 'squat', 'strum guitar', 'tennis forehand',
    'tennis serve')
"""The 15 classes; the index is the label."""

PENN_ACTION_JOINTS = (
    'head', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')
"""The 13 annotated joints, in the order of the ``x``/``y`` columns."""

_FIELDS = ('action', 'x', 'y', 'visibility', 'dimensions', 'train')


def _text(mat: Dict[str, Any], key: str, path: str) -> str:
    """A MATLAB char field as a str."""
    value = np.asarray(mat[key]).ravel()
    if value.size != 1 or not isinstance(value[0], str):
        raise DataError(f'{path}: field "{key}" is not a string')
    return str(value[0]).strip()


def _numbers(mat: Dict[str, Any], key: str, path: str) -> np.ndarray:
    """A numeric MATLAB field as a float64 array."""
    try:
        return np.asarray(mat[key], dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f'{path}: field "{key}" is not numeric') from None


def read_penn_action_mat(path: str) -> Tuple[Dict, str]:
    """Read one Penn Action label file.

    Args:
        path (str): A ``.mat`` file of Penn Action's ``labels/`` folder.

    Returns:
        tuple[dict, str]: The annotation (``keypoint`` float32
        ``[1, T, V, 2]`` pixels, ``keypoint_score`` float32 ``[1, T, V]``,
        ``bbox``, ``view`` and the usual keys) and its split, ``'train'`` or
        ``'test'``.

    Raises:
        DataError: Unreadable file, missing field, unknown action, or fields
            whose shapes disagree; the message names the file.
    """
    from scipy.io import loadmat  # scipy is a dependency of mmaction2
    try:
        mat = loadmat(path)
    except Exception as e:  # scipy raises many types for a bad file
        raise DataError(f'{path} is not a readable .mat file: '
                        f'{type(e).__name__}: {e}') from e
    missing = [k for k in _FIELDS if k not in mat]
    if missing:
        raise DataError(f'{path}: missing fields {missing}')
    action = _text(mat, 'action', path).replace('_', ' ')
    if action not in PENN_ACTION_CLASSES:
        raise DataError(f'{path}: unknown action "{action}"; Penn Action has '
                        f'{list(PENN_ACTION_CLASSES)}')
    x, y = _numbers(mat, 'x', path), _numbers(mat, 'y', path)
    visibility = _numbers(mat, 'visibility', path)
    if x.ndim != 2 or x.shape[0] == 0 or y.shape != x.shape \
            or visibility.shape != x.shape:
        raise DataError(f'{path}: x {x.shape}, y {y.shape} and visibility '
                        f'{visibility.shape} must share one shape [T, V]')
    dims = _numbers(mat, 'dimensions', path).ravel()
    if dims.size < 2 or (dims[:2] <= 0).any():
        raise DataError(f'{path}: dimensions {dims.tolist()} are not [H, W, T]')
    train = _numbers(mat, 'train', path).ravel()
    if train.size != 1 or train[0] not in (1, -1):
        raise DataError(f'{path}: train is {train.tolist()}, expected 1 or -1')
    img_shape = (int(dims[0]), int(dims[1]))
    anno = dict(
        frame_dir=os.path.splitext(os.path.basename(path))[0],
        label=PENN_ACTION_CLASSES.index(action),
        img_shape=img_shape,
        original_shape=img_shape,
        total_frames=int(x.shape[0]),
        keypoint=np.stack([x, y], axis=-1)[None].astype(np.float32),
        keypoint_score=visibility[None].astype(np.float32))
    if 'bbox' in mat:
        anno['bbox'] = _numbers(mat, 'bbox', path).astype(np.float32)
    if 'pose' in mat:
        anno['view'] = _text(mat, 'pose', path)
    return anno, 'train' if train[0] == 1 else 'test'


def convert_penn_action(labels_dir: str, progress: bool = False) -> Converted:
    """Convert Penn Action's ``labels/`` folder.

    Args:
        labels_dir (str): The folder of ``.mat`` files.
        progress (bool): Show a progress bar. Defaults to ``False``.

    Returns:
        Converted: Annotations sorted by ``frame_dir``, splits ``'train'``
        and ``'test'``.

    Raises:
        DataError: Missing folder, no ``.mat`` file, or a malformed file.
    """
    annos: List[Dict] = []
    splits: Dict[str, List[str]] = {'train': [], 'test': []}
    for path in iter_progress(list_source_files(labels_dir, '.mat'), progress):
        anno, split = read_penn_action_mat(path)
        annos.append(anno)
        splits[split].append(anno['frame_dir'])
    return Converted(annos, splits)
