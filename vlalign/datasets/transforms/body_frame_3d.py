"""Rotate 3D skeletons into a body-centred frame that does not depend on the camera."""
from numbers import Integral
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from vlalign.registry import TRANSFORMS
from vlalign.structures.skeleton_layouts import LayoutSpec, get_layout
from vlalign.utils.errors import ConfigError

Joint = Union[int, str]


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

    Joints are ids, or names of ``layout``'s joints: with names, the same
    config works for any joint order of the skeleton (e.g. a Kinect v1
    layout given as a dict in another order).

    Args:
        spine (sequence[int | str]): Bottom and top joint of the spine.
            Defaults to ``(0, 1)`` (hip centre -> spine on Kinect v1/v2).
        shoulders (sequence[int | str]): Right and left shoulder: ``x``
            points from the first to the second. Defaults to ``(8, 4)``
            (Kinect).
        center (int | str): Joint at the origin. Defaults to ``1``.
        layout (str | SkeletonLayout | dict, optional): The skeleton the
            names refer to; also checks the joint count of each sample.
            Needed for names. Defaults to ``None``.

    Required keys: ``keypoint`` ``[M, T, V, 3]``. Modified keys: ``keypoint``.
    """

    def __init__(self, spine: Sequence[Joint] = (0, 1),
                 shoulders: Sequence[Joint] = (8, 4), center: Joint = 1,
                 layout: Optional[LayoutSpec] = None) -> None:
        self.layout = None if layout is None else get_layout(layout)
        joints = dict(spine=tuple(spine), shoulders=tuple(shoulders),
                      center=(center, ))
        for key, value in joints.items():
            if key != 'center' and len(value) != 2:
                raise ConfigError(f'BodyFrame3D: {key} must be two joints, '
                                  f'got {value}')
            if self.layout is not None:
                joints[key] = tuple(self.layout.index(j) for j in value)
            elif not all(isinstance(j, Integral) for j in value):
                raise ConfigError(f'BodyFrame3D: {key}={value} names joints; '
                                  'names need a layout (layout=...)')
        self.spine = joints['spine']
        self.shoulders = joints['shoulders']
        self.center = joints['center'][0]

    @staticmethod
    def _unit(v: np.ndarray) -> np.ndarray:
        norm = np.linalg.norm(v)
        return v / norm if norm > 1e-8 else v

    def transform(self, results: Dict) -> Dict:
        """Rotate ``keypoint`` ``[M, T, V, 3]`` into the body frame."""
        if self.layout is not None and \
                results['keypoint'].shape[-2] != self.layout.num_joints:
            raise ValueError(
                f'sample "{results.get("frame_dir")}": keypoint has '
                f'{results["keypoint"].shape[-2]} joints, layout '
                f'"{self.layout.name}" has {self.layout.num_joints}')
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
        layout = '' if self.layout is None else \
            f', layout={self.layout.name!r}'
        return (f'{type(self).__name__}(spine={self.spine}, '
                f'shoulders={self.shoulders}, center={self.center}{layout})')
