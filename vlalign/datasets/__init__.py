from .label_map import load_class_names, resolve_class_subset
from .pose_io import load_pose_annotations
from .pose_text_dataset import PoseTextDataset
from .skeleton_layouts import LAYOUTS, SkeletonLayout, get_layout
from .transforms import SkeletonFeatures, SkeletonFlip

__all__ = ['LAYOUTS', 'PoseTextDataset', 'SkeletonFeatures', 'SkeletonFlip',
           'SkeletonLayout', 'get_layout', 'load_class_names',
           'load_pose_annotations', 'resolve_class_subset']
