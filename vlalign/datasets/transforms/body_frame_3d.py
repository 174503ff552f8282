"""Rotate 3D skeletons into a body-centred frame that does not depend on the camera."""
from typing import Dict, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from vlalign.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BodyFrame3D(BaseTransform):
    """Express 3D joints in the first frame's body frame.

    The origin is the ``center`` joint of the first person in the first
    frame; ``z`` points along its spine (``spine[0] -> spine[1]``), ``x``
    along its shoulders (``shoulders[0] -> shoulders[1]``) made orthogonal
    to ``z``, and ``y = z x x``. The same motion filmed from anywhere gives
    the same output (a rotation and a translation of the camera cancel).

    mmaction2's ``PreNormalize3D`` aims at this with two successive minimal
    rotations, but the second one (shoulders onto ``x``) tilts the spine off
    ``z`` whenever the shoulder line is not perpendicular to it, which on
    real data is always; it also centres on the last joint when a layout
    has other than 25. Frames where the first person is all zeros (padding)
    stay zero.

    Args:
        spine (sequence[int]): Bottom and top joint of the spine. Defaults
            to ``(0, 1)`` (hip centre -> spine on Kinect v1/v2).
        shoulders (sequence[int]): Right and left shoulder: ``x`` points from
            the first to the second. Defaults to ``(8, 4)`` (Kinect).
        center (int): Joint at the origin. Defaults to ``1``.

    Required keys: ``keypoint`` ``[M, T, V, 3]``. Modified keys: ``keypoint``.
    """

    def __init__(self, spine: Sequence[int] = (0, 1),
                 shoulders: Sequence[int] = (8, 4), center: int = 1) -> None:
        self.spine = tuple(spine)
        self.shoulders = tuple(shoulders)
        self.center = center

    @staticmethod
    def _unit(v: np.ndarray) -> np.ndarray:
        norm = np.linalg.norm(v)
        return v / norm if norm > 1e-8 else v

    def transform(self, results: Dict) -> Dict:
        """Rotate ``keypoint`` ``[M, T, V, 3]`` into the body frame."""
        kp = results['keypoint'].astype(np.float64)
        valid = np.abs(kp).sum(-1, keepdims=True) > 0  # [M, T, V, 1]
        frames = np.flatnonzero(valid[0].any(axis=(1, 2)))
        if frames.size == 0:
            return results
        first = kp[0, frames[0]]  # [V, 3]
        z = self._unit(first[self.spine[1]] - first[self.spine[0]])
        x = first[self.shoulders[1]] - first[self.shoulders[0]]
        x = self._unit(x - np.dot(x, z) * z)
        if np.linalg.norm(x) < 1e-8 or np.linalg.norm(z) < 1e-8:
            rot = np.eye(3)  # degenerate first frame: translate only
        else:
            rot = np.stack([x, np.cross(z, x), z])  # rows: new axes
        out = (kp - first[self.center]) @ rot.T
        results['keypoint'] = (out * valid).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(spine={self.spine}, '
                f'shoulders={self.shoulders}, center={self.center})')
