"""Data transforms (registered in vlalign's TRANSFORMS)."""
from .body_frame_3d import BodyFrame3D
from .fast_pose_target import FastGeneratePoseTarget
from .keypoint_3d import UseKeypoint3D
from .pack_verb_noun import PackVerbNounInputs
from .skeleton_features import SkeletonFeatures
from .skeleton_flip import SkeletonFlip

__all__ = ['BodyFrame3D', 'FastGeneratePoseTarget', 'PackVerbNounInputs',
           'SkeletonFeatures', 'SkeletonFlip', 'UseKeypoint3D']
