from .label_map import load_class_names, resolve_class_subset
from .pose_text_dataset import PoseTextDataset

__all__ = ['PoseTextDataset', 'load_class_names', 'resolve_class_subset']
