"""Northwestern-UCLA Multiview Action3D json files -> PoseDataset annotations.

The json release (the one CTR-GCN and most skeleton papers use,
``all_sqe/*.json``) holds one file per sequence:
``{"file_name": "aAA_sSS_eEE_vVV", "skeletons": [T][20][3], "label": 1..10}``
with Kinect v1 camera-space joints in metres (x right, y up, z away from the
camera).

Conventions:

* ``keypoint_3d`` keeps the metres, ``[1, T, V, 3]`` float32.
* ``keypoint`` is their projection by an assumed pinhole camera
  (:data:`NW_UCLA_CAMERA`: f = 525 px, principal point (320, 240), a
  640x480 image), ``u = f * x / z + cx``, ``v = cy - f * y / z`` (image v
  points down, camera y up), computed in float32. Fitted on the shipped
  pyskl-format NW-UCLA pickle: this reproduces its 1484 sequences exactly.
  The release holds no camera parameters; the numbers are Kinect v1's
  nominal ones, so pixel positions are approximate but consistent.
* Joints at ``z <= 0`` (all-zero, i.e. missing: 12 joint-frames in the
  release) project to the principal point and get score 0; every other
  joint scores 1 (the release has no confidences). The shipped pickle gave
  them score 1 as well; 0 tells downstream code not to trust them.
* ``label`` = json label - 1 (:data:`NW_UCLA_CLASSES`), ``view`` = VV, and
  the cross-view protocol: views 1 and 2 train (``'xview_train'``), view 3
  tests (``'xview_test'``).
"""
import json
import os
import re
from typing import Dict, List

import numpy as np

from vlalign.utils.errors import DataError

from .pickle_writer import Converted, iter_progress, list_source_files

NW_UCLA_CLASSES = (
    'pick up with one hand', 'pick up with two hands', 'drop trash',
    'walk around', 'sit down', 'stand up', 'donning', 'doffing', 'throw',
    'carry')
"""The 10 classes (a01-a06, a08, a09, a11, a12); the index is the label."""

NW_UCLA_CAMERA = dict(focal=525.0, cx=320.0, cy=240.0, img_shape=(480, 640))
"""Assumed pinhole camera of the projection (Kinect v1 nominal values)."""

NW_UCLA_XVIEW_TRAIN_VIEWS = (1, 2)

_NAME = re.compile(r'^a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})$')


def project_pinhole(points_3d: np.ndarray, focal: float = 525.0,
                    cx: float = 320.0, cy: float = 240.0) -> np.ndarray:
    """Project camera-space points (y up) to pixels (v down).

    Args:
        points_3d (np.ndarray): ``[..., 3]`` metres (x, y, z).
        focal (float): Focal length in pixels. Defaults to ``525.0``.
        cx (float): Principal point, x. Defaults to ``320.0``.
        cy (float): Principal point, y. Defaults to ``240.0``.

    Returns:
        np.ndarray: float32 ``[..., 2]`` pixels ``(f*x/z + cx, cy - f*y/z)``;
        points with ``z <= 0`` map to ``(cx, cy)``.
    """
    # float32 arithmetic, in this order, is what reproduces the shipped
    # pickle bit for bit.
    pts = np.asarray(points_3d, dtype=np.float32)
    x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
    front = z > 0
    safe_z = np.where(front, z, np.float32(1))
    f = np.float32(focal)
    u = np.where(front, f * x / safe_z + np.float32(cx), np.float32(cx))
    v = np.where(front, np.float32(cy) - f * y / safe_z, np.float32(cy))
    return np.stack([u, v], axis=-1).astype(np.float32)


def read_nw_ucla_json(path: str) -> Dict:
    """Read one NW-UCLA json file as a PoseDataset annotation.

    Args:
        path (str): ``aAA_sSS_eEE_vVV.json``.

    Returns:
        dict: ``frame_dir`` (the json's ``file_name``, else the file stem),
        ``label``, ``view`` (int), ``img_shape`` (480, 640), ``total_frames``
        T, ``keypoint`` float32 ``[1, T, V, 2]``, ``keypoint_score`` float32
        ``[1, T, V]``, ``keypoint_3d`` float32 ``[1, T, V, 3]``.

    Raises:
        DataError: Unreadable json, missing field, bad name or label, or
            skeletons that are not ``[T, V, 3]`` numbers.
    """
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f'{path} is not a readable json file: {e}') from e
    if not isinstance(data, dict):
        raise DataError(f'{path}: expected a json object, got '
                        f'{type(data).__name__}')
    missing = [k for k in ('skeletons', 'label') if k not in data]
    if missing:
        raise DataError(f'{path}: missing fields {missing}')
    name = data.get('file_name') or os.path.splitext(os.path.basename(path))[0]
    match = _NAME.match(str(name))
    if match is None:
        raise DataError(f'{path}: file_name "{name}" is not like '
                        'a01_s01_e00_v01')
    label = data['label']
    if (isinstance(label, bool) or not isinstance(label, int)
            or not 1 <= label <= len(NW_UCLA_CLASSES)):
        raise DataError(f'{path}: label {label!r} is not an int in '
                        f'1..{len(NW_UCLA_CLASSES)}')
    try:
        skel = np.asarray(data['skeletons'], dtype=np.float32)
    except (TypeError, ValueError):
        raise DataError(f'{path}: skeletons are not a [T][V][3] number '
                        'array (ragged or non-numeric)') from None
    if skel.ndim != 3 or skel.shape[0] == 0 or skel.shape[2] != 3:
        raise DataError(f'{path}: skeletons have shape {skel.shape}, '
                        'expected [T, V, 3] with T >= 1')
    if not np.isfinite(skel).all():
        raise DataError(f'{path}: skeletons hold NaN/inf values')
    cam = NW_UCLA_CAMERA
    keypoint = project_pinhole(skel, cam['focal'], cam['cx'], cam['cy'])
    score = (skel[..., 2] > 0).astype(np.float32)
    return dict(frame_dir=str(name),
                label=label - 1,
                img_shape=cam['img_shape'],
                original_shape=cam['img_shape'],
                total_frames=int(skel.shape[0]),
                keypoint=keypoint[None],
                keypoint_score=score[None],
                keypoint_3d=skel[None],
                view=int(match.group(4)))


def convert_nw_ucla(json_dir: str, progress: bool = False) -> Converted:
    """Convert a folder of NW-UCLA json files (cross-view splits).

    Args:
        json_dir (str): The folder (e.g. ``all_sqe/``).
        progress (bool): Show a progress bar. Defaults to ``False``.

    Returns:
        Converted: Annotations sorted by file name, splits ``'xview_train'``
        (views 1, 2) and ``'xview_test'`` (view 3).

    Raises:
        DataError: Missing folder, no ``.json`` file, or a malformed file.
    """
    annos: List[Dict] = []
    splits: Dict[str, List[str]] = {'xview_train': [], 'xview_test': []}
    for path in iter_progress(list_source_files(json_dir, '.json'), progress):
        anno = read_nw_ucla_json(path)
        annos.append(anno)
        train = anno['view'] in NW_UCLA_XVIEW_TRAIN_VIEWS
        splits['xview_train' if train else 'xview_test'].append(anno['frame_dir'])
    return Converted(annos, splits)
