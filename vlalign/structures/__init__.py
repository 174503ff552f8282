"""Data structures shared by transforms and graph backbones: skeleton
layouts (from a name or a config dict) and reordering joints to a layout."""
from .joint_order import joint_permutation, reorder_joints, reorder_layout
from .skeleton_layouts import (LAYOUTS, LayoutSpec, SkeletonLayout, get_layout,
                               resolve_graph_cfg)

__all__ = [
    'LAYOUTS', 'LayoutSpec', 'SkeletonLayout', 'get_layout',
    'resolve_graph_cfg', 'joint_permutation', 'reorder_joints',
    'reorder_layout'
]
