from .label_map import load_class_names, resolve_class_subset
from .pose_io import load_pose_annotations
from .pose_text_dataset import PoseTextDataset

__all__ = ['PoseTextDataset', 'load_class_names',
           'load_pose_annotations', 'resolve_class_subset']
