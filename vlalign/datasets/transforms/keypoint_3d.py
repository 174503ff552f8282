"""Train on the 3D joints a PoseDataset annotation carries beside its 2D ones."""
from typing import Dict

from mmcv.transforms import BaseTransform

from vlalign.registry import TRANSFORMS
from vlalign.utils.errors import DataError


@TRANSFORMS.register_module()
class UseKeypoint3D(BaseTransform):
    """Replace ``keypoint`` by ``keypoint_3d`` and drop ``keypoint_score``.

    Converted Kinect datasets (NW-UCLA, NTU RGB+D) keep the camera-space
    joints as ``keypoint_3d`` ``[M, T, V, 3]`` (metres) next to their 2D
    projection. 3D joints rotated to a body-centred frame by
    :class:`BodyFrame3D` (put it after this transform) do not depend on
    where the camera stood, which is what cross-view protocols test; 2D
    projections do. Kinect joints carry no confidence, so the scores go and
    ``SkeletonFeatures`` / ``FormatGCNInput`` see ``C = 3`` coordinates.

    Required keys: ``keypoint_3d``. Modified keys: ``keypoint``. Removed
    keys: ``keypoint_3d``, ``keypoint_score``.
    """

    def transform(self, results: Dict) -> Dict:
        """Move ``keypoint_3d`` ``[M, T, V, 3]`` to ``keypoint``."""
        kp3d = results.pop('keypoint_3d', None)
        if kp3d is None or kp3d.ndim != 4 or kp3d.shape[-1] != 3:
            raise DataError(
                f'sample {results.get("frame_dir", "?")}: UseKeypoint3D needs '
                f'"keypoint_3d" shaped [M, T, V, 3], got '
                f'{None if kp3d is None else tuple(kp3d.shape)}')
        results['keypoint'] = kp3d.astype('float32')
        results.pop('keypoint_score', None)
        return results
