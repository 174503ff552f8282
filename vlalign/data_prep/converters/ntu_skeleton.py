"""NTU RGB+D ``.skeleton`` text files -> PoseDataset annotations.

The official format (Shahroudy et al., CVPR 2016; Liu et al., TPAMI 2019):
the first line holds the frame count; then per frame a line with the body
count and, per body, a line of 10 values (``bodyID clipedEdges
handLeftConfidence handLeftState handRightConfidence handRightState
isResticted leanX leanY trackingState``), a line with the joint count (25)
and one line per joint of 12 values (``x y z depthX depthY colorX colorY
orientationW orientationX orientationY orientationZ trackingState``).

Conventions chosen here:

* ``keypoint`` holds the colour-frame pixels ``colorX, colorY``
  (``img_shape == (1080, 1920)``), ``keypoint_3d`` the camera-space metres
  ``x, y, z``.
* ``keypoint_score`` maps the joint ``trackingState`` with
  :data:`NTU_TRACKING_SCORES`: tracked 1.0, inferred 0.5, not tracked 0.0.
  Non-finite colour coordinates become 0 with score 0.
* Bodies are followed by ``bodyID`` across frames. At most ``max_persons``
  are kept, ranked by the number of frames they appear in, ties broken by
  motion (the summed standard deviation of their x, y, z over the frames they
  appear in, the "energy" of mmaction2's ``gen_ntu_rgbd_raw.py``): a body
  seen in a few frames only is mostly a false detection. The person axis is
  padded with zeros (score 0) to ``max_persons``.
* ``frame_dir`` is the file stem ``SsssCcccPpppRrrrAaaa``; ``label`` is the
  1-based action ``aaa`` minus 1.
"""
import os
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from vlalign.utils.errors import DataError

from .pickle_writer import Converted, iter_progress, list_source_files

NTU_IMG_SHAPE = (1080, 1920)
"""(H, W) of the Kinect v2 colour frames that ``colorX, colorY`` refer to."""

NTU_TRACKING_SCORES = {2: 1.0, 1: 0.5, 0: 0.0}
"""Joint ``trackingState`` (2 tracked, 1 inferred, 0 not tracked) -> score."""

NTU_XSUB_TRAIN_SUBJECTS = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25,
                           27, 28, 31, 34, 35, 38)
"""Performers of the cross-subject training set (NTU RGB+D 60 paper)."""

NTU_XVIEW_TRAIN_CAMERAS = (2, 3)
"""Cameras of the cross-view training set; camera 1 is the test set."""

NTU_PROTOCOLS = ('xsub', 'xview')

_NAME = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')
_BODY_FIELDS = 10
_JOINT_FIELDS = 12


class EmptySkeletonError(DataError):
    """An NTU file without any body in any frame."""


def parse_ntu_name(name: str) -> Dict[str, int]:
    """Setup, camera, performer, replication and action of an NTU sample name.

    Args:
        name (str): ``SsssCcccPpppRrrrAaaa`` (a path or ``.skeleton`` suffix
            is allowed).

    Returns:
        dict[str, int]: ``setup``, ``camera``, ``performer``,
        ``replication``, ``action`` (1-based, as in the name).

    Raises:
        DataError: If the name does not follow the pattern.
    """
    stem = os.path.basename(name)
    if stem.endswith('.skeleton'):
        stem = stem[:-len('.skeleton')]
    match = _NAME.match(stem)
    if match is None:
        raise DataError(f'{name}: not an NTU sample name like '
                        'S001C002P003R002A013')
    keys = ('setup', 'camera', 'performer', 'replication', 'action')
    return dict(zip(keys, map(int, match.groups())))


class _Lines:
    """Numbered lines of a file, with errors that name file and line."""

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, encoding='utf-8', errors='replace') as f:
            self.lines = f.read().splitlines()
        self.pos = 0

    def fields(self, count: Optional[int], what: str) -> List[str]:
        """The next line's fields (``count`` of them unless None)."""
        if self.pos >= len(self.lines):
            raise DataError(f'{self.path}: ends at line {self.pos} where '
                            f'{what} was expected (truncated file?)')
        self.pos += 1
        fields = self.lines[self.pos - 1].split()
        if count is not None and len(fields) != count:
            raise DataError(f'{self.path}:{self.pos}: {what} needs {count} '
                            f'values, found {len(fields)}')
        return fields

    def int(self, what: str) -> int:
        """The next line as one non-negative int."""
        field = self.fields(1, what)[0]
        try:
            value = int(field)
        except ValueError:
            raise DataError(f'{self.path}:{self.pos}: {what} "{field}" is not '
                            'an integer') from None
        if value < 0:
            raise DataError(f'{self.path}:{self.pos}: negative {what} {value}')
        return value

    def floats(self, count: int, what: str) -> List[float]:
        """The next line as ``count`` floats."""
        fields = self.fields(count, what)
        try:
            return [float(v) for v in fields]
        except ValueError:
            raise DataError(f'{self.path}:{self.pos}: {what} holds a '
                            f'non-number: {" ".join(fields)}') from None


def _read_bodies(path: str) -> Tuple[int, Dict[str, Dict[int, np.ndarray]]]:
    """Frame count and ``{bodyID: {frame: joints [V, 12]}}`` of a file."""
    lines = _Lines(path)
    num_frames = lines.int('the frame count')
    bodies: Dict[str, Dict[int, np.ndarray]] = {}
    num_joints = None
    for t in range(num_frames):
        for _ in range(lines.int(f'the body count of frame {t}')):
            body_id = lines.fields(_BODY_FIELDS, 'a body line')[0]
            v = lines.int('the joint count')
            if num_joints is None:
                num_joints = v
            elif v != num_joints:
                raise DataError(f'{path}:{lines.pos}: {v} joints, earlier '
                                f'bodies had {num_joints}')
            joints = np.array([lines.floats(_JOINT_FIELDS, 'a joint line')
                               for _ in range(v)], dtype=np.float64)
            # A repeated bodyID within a frame: keep the first, as the
            # Kinect SDK reports one skeleton per tracking id.
            bodies.setdefault(body_id, {}).setdefault(t, joints.reshape(v, 12))
    if lines.pos < len(lines.lines) and any(
            s.strip() for s in lines.lines[lines.pos:]):
        raise DataError(f'{path}:{lines.pos + 1}: unexpected content after '
                        f'the {num_frames} frames the first line announced')
    return num_frames, bodies


def _motion(frames: Dict[int, np.ndarray]) -> float:
    """Summed std of x, y, z over the frames a body appears in."""
    xyz = np.stack([j[:, :3] for j in frames.values()])  # [T', V, 3]
    return float(xyz.reshape(-1, 3).std(axis=0).sum())


def read_ntu_skeleton(path: str, max_persons: int = 2) -> Dict:
    """Read one NTU ``.skeleton`` file as a PoseDataset annotation.

    Args:
        path (str): The file, named ``SsssCcccPpppRrrrAaaa.skeleton``.
        max_persons (int): Persons kept (and padded to). Defaults to ``2``.

    Returns:
        dict: ``frame_dir``, ``label`` (action - 1), ``img_shape`` and
        ``original_shape`` (1080, 1920), ``total_frames`` T, ``keypoint``
        float32 ``[M, T, V, 2]`` colour pixels, ``keypoint_score`` float32
        ``[M, T, V]``, ``keypoint_3d`` float32 ``[M, T, V, 3]`` metres, with
        ``M == max_persons`` and V as in the file (25).

    Raises:
        DataError: Malformed file or name, or a file without any body (NTU
            ships a few hundred such samples; see :func:`convert_ntu_skeletons`).
    """
    if max_persons < 1:
        raise DataError(f'max_persons must be >= 1, got {max_persons}')
    info = parse_ntu_name(path)
    num_frames, bodies = _read_bodies(path)
    if not bodies:
        raise EmptySkeletonError(f'{path}: no body in any of its {num_frames} frames')
    ranked = sorted(bodies.values(),
                    key=lambda frames: (len(frames), _motion(frames)),
                    reverse=True)[:max_persons]
    num_joints = next(iter(ranked[0].values())).shape[0]
    joints = np.zeros((max_persons, num_frames, num_joints, 12), np.float64)
    for m, frames in enumerate(ranked):
        for t, values in frames.items():
            joints[m, t] = values
    state = joints[..., 11].astype(np.int64)
    score = np.zeros(state.shape, np.float32)
    for tracking_state, value in NTU_TRACKING_SCORES.items():
        score[state == tracking_state] = value
    keypoint = joints[..., 5:7]
    finite = np.isfinite(keypoint).all(-1)
    keypoint = np.where(finite[..., None], keypoint, 0.0)
    score[~finite] = 0.0
    stem = os.path.basename(path)[:-len('.skeleton')] if path.endswith(
        '.skeleton') else os.path.basename(path)
    return dict(frame_dir=stem,
                label=info['action'] - 1,
                img_shape=NTU_IMG_SHAPE,
                original_shape=NTU_IMG_SHAPE,
                total_frames=num_frames,
                keypoint=keypoint.astype(np.float32),
                keypoint_score=score,
                keypoint_3d=np.nan_to_num(joints[..., :3]).astype(np.float32))


def ntu_splits(frame_dirs: Iterable[str],
               protocols: Sequence[str] = NTU_PROTOCOLS
               ) -> Dict[str, List[str]]:
    """Standard NTU RGB+D 60 train / validation splits.

    Args:
        frame_dirs (Iterable[str]): Sample names ``SsssCcccPpppRrrrAaaa``.
        protocols (Sequence[str]): Any of ``'xsub'`` (performers in
            :data:`NTU_XSUB_TRAIN_SUBJECTS` train) and ``'xview'`` (cameras
            in :data:`NTU_XVIEW_TRAIN_CAMERAS` train). Defaults to both.

    Returns:
        dict[str, list[str]]: ``{protocol}_train`` and ``{protocol}_val``
        (pyskl's split names) for each protocol, in input order.

    Raises:
        DataError: Unknown protocol or malformed name.
    """
    unknown = [p for p in protocols if p not in NTU_PROTOCOLS]
    if unknown:
        raise DataError(f'unknown NTU protocols {unknown}; choose from '
                        f'{list(NTU_PROTOCOLS)}')
    names = list(frame_dirs)
    infos = [parse_ntu_name(n) for n in names]
    splits: Dict[str, List[str]] = {}
    for protocol in protocols:
        key, train_ids = (('performer', NTU_XSUB_TRAIN_SUBJECTS)
                          if protocol == 'xsub' else
                          ('camera', NTU_XVIEW_TRAIN_CAMERAS))
        splits[f'{protocol}_train'] = [
            n for n, i in zip(names, infos) if i[key] in train_ids]
        splits[f'{protocol}_val'] = [
            n for n, i in zip(names, infos) if i[key] not in train_ids]
    return splits


def convert_ntu_skeletons(src_dir: str, max_persons: int = 2,
                          protocols: Sequence[str] = NTU_PROTOCOLS,
                          skip_empty: bool = True,
                          progress: bool = False) -> Converted:
    """Convert every ``*.skeleton`` file of a folder.

    Args:
        src_dir (str): Folder of ``.skeleton`` files (not searched
            recursively).
        max_persons (int): Persons per sample. Defaults to ``2``.
        protocols (Sequence[str]): Splits to make, see :func:`ntu_splits`.
            Defaults to ``('xsub', 'xview')``.
        skip_empty (bool): Leave out files without any body (NTU's known
            "missing skeleton" samples) and list them in ``skipped``;
            otherwise they raise. Defaults to ``True``.
        progress (bool): Show a progress bar. Defaults to ``False``.

    Returns:
        Converted: Annotations sorted by name, splits, skipped files.

    Raises:
        DataError: Missing folder, no ``.skeleton`` file, or a malformed file.
    """
    files = list_source_files(src_dir, '.skeleton')
    annos, skipped = [], []
    for path in iter_progress(files, progress):
        try:
            annos.append(read_ntu_skeleton(path, max_persons))
        except EmptySkeletonError as e:
            if not skip_empty:
                raise
            skipped.append(str(e))
    splits = ntu_splits([a['frame_dir'] for a in annos], protocols)
    return Converted(annos, splits, tuple(skipped))

