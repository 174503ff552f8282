"""Data transforms (registered in vlalign's TRANSFORMS)."""
from .fast_pose_target import FastGeneratePoseTarget
from .skeleton_features import SkeletonFeatures
from .skeleton_flip import SkeletonFlip

__all__ = ['FastGeneratePoseTarget', 'SkeletonFeatures', 'SkeletonFlip']
