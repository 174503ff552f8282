"""Embedded demo data: synthetic skeleton actions for zero-shot recognition."""
from .skeleton_actions import (ACTIONS, CLASSES, COCO_KEYPOINTS,
                               DEFAULT_SAMPLES_PER_CLASS, SEEN, UNSEEN,
                               ActionSpec, generate_demo_dataset,
                               generate_sequence, get_action)

__all__ = [
    'ACTIONS', 'CLASSES', 'COCO_KEYPOINTS', 'DEFAULT_SAMPLES_PER_CLASS', 'SEEN',
    'UNSEEN', 'ActionSpec', 'generate_demo_dataset', 'generate_sequence',
    'get_action'
]
