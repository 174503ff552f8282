"""Data transforms (registered in vlalign's TRANSFORMS)."""
from .skeleton_features import SkeletonFeatures
from .skeleton_flip import SkeletonFlip

__all__ = ['SkeletonFeatures', 'SkeletonFlip']
