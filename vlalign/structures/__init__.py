"""Data structures shared by transforms and graph backbones: skeleton layouts."""
from .skeleton_layouts import LAYOUTS, SkeletonLayout, get_layout

__all__ = ['LAYOUTS', 'SkeletonLayout', 'get_layout']
