"""Joint, bone and motion streams for any skeleton layout."""
from typing import Dict, Sequence

from mmaction.datasets.transforms import (GenSkeFeat, JointToBone,
                                          MergeSkeFeat, ToMotion)
from mmcv.transforms import Compose, KeyMapper

from vlalign.registry import TRANSFORMS
from vlalign.structures.skeleton_layouts import (LayoutSpec, SkeletonLayout,
                                               get_layout)


class _LayoutJointToBone(JointToBone):
    """mmaction2's ``JointToBone`` with the bone pairs of a layout
    (upstream accepts only its three built-in datasets)."""

    def __init__(self, layout: SkeletonLayout, target: str) -> None:
        # 'coco' selects upstream's 2D semantics: a bone's score is the mean
        # of its two joints' scores.
        self.dataset = 'coco'
        self.target = target
        self.pairs = layout.bone_pairs


@TRANSFORMS.register_module()
class SkeletonFeatures(GenSkeFeat):
    """mmaction2's ``GenSkeFeat`` for any :class:`SkeletonLayout`.

    Same streams and output as upstream: ``'j'`` joints, ``'b'`` bones
    (joint minus parent), ``'jm'``/``'bm'`` their frame differences, joined
    along the last axis; 2D keypoints get ``keypoint_score`` as a third
    channel. ``keypoint`` ``[M, T, V, 2]`` (with scores) or ``[M, T, V, 3]``
    (3D, no scores) becomes ``[M, T, V, 3 * len(feats)]``.

    Args:
        layout (str | SkeletonLayout | dict): E.g. ``'penn13'``,
            ``'kinect_v1_20'``, or a dict ``joints=[...], parents=[...]``.
        feats (list[str]): Streams to join. Defaults to ``('j', )``.
        axis (int): Axis to join along. Defaults to ``-1``.
    """

    def __init__(self,
                 layout: LayoutSpec,
                 feats: Sequence[str] = ('j', ),
                 axis: int = -1) -> None:
        self.layout = get_layout(layout)
        unknown = set(feats) - {'j', 'b', 'jm', 'bm'}
        if unknown or not feats:
            raise ValueError(f'feats must be among j, b, jm, bm; got {feats}')
        self.dataset = 'coco'  # upstream's 2D-with-score path in transform()
        self.feats = list(feats)
        self.axis = axis
        ops = []
        if 'b' in feats or 'bm' in feats:
            ops.append(_LayoutJointToBone(self.layout, target='b'))
        ops.append(KeyMapper(remapping={'keypoint': 'j'}))
        if 'jm' in feats:
            ops.append(ToMotion(dataset='coco', source='j', target='jm'))
        if 'bm' in feats:
            ops.append(ToMotion(dataset='coco', source='b', target='bm'))
        ops.append(MergeSkeFeat(feat_list=self.feats, axis=axis))
        self.ops = Compose(ops)

    def transform(self, results: Dict) -> Dict:
        # Upstream's 2D path treats a third channel as a score (bones and
        # motions average it); 3D coordinates without scores take its
        # 'nturgb+d' path, which subtracts every channel.
        is_3d = (results['keypoint'].shape[-1] == 3
                 and 'keypoint_score' not in results)
        self.dataset = 'nturgb+d' if is_3d else 'coco'
        for op in self.ops.transforms:
            if isinstance(op, (JointToBone, ToMotion)):
                op.dataset = self.dataset
        num_joints = results['keypoint'].shape[-2]
        if num_joints != self.layout.num_joints:
            raise ValueError(
                f'sample "{results.get("frame_dir")}": keypoint has '
                f'{num_joints} joints, layout "{self.layout.name}" has '
                f'{self.layout.num_joints}')
        return super().transform(results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(layout={self.layout.name}, '
                f'feats={self.feats}, axis={self.axis})')
