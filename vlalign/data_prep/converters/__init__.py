"""Converters from public skeleton formats to the PoseDataset pickle.

Each format has its own module with a reader of one source file and a
converter of a folder (returning :class:`Converted`); :func:`build_pose_pickle`
validates and writes the result. Joint counts are whatever the source has
(NTU 25, Penn Action 13, NW-UCLA 20, ...); :mod:`.joint_order` reorders
them by name into a built-in layout (``--joint-names``/``--target-layout``).
The command-line front ends are ``tools/data/convert_*.py``; see
``docs/data.md``.
"""
from .joint_order import (JOINT_FIELDS, JointOrder, apply_joint_order,
                          joint_names_extra, joint_order_from_args,
                          parse_joint_names, reorder_annotations)
from .ntu_skeleton import (NTU_IMG_SHAPE, NTU_TRACKING_SCORES,
                           NTU_XSUB_TRAIN_SUBJECTS, NTU_XVIEW_TRAIN_CAMERAS,
                           EmptySkeletonError, convert_ntu_skeletons,
                           ntu_splits, parse_ntu_name, read_ntu_skeleton)
from .numpy_seq import (convert_numpy_sequences, read_label_list,
                        read_numpy_sequence)
from .nw_ucla import (NW_UCLA_CAMERA, NW_UCLA_CLASSES, convert_nw_ucla,
                      project_pinhole, read_nw_ucla_json)
from .penn_action import (PENN_ACTION_CLASSES, PENN_ACTION_JOINTS,
                          convert_penn_action, read_penn_action_mat)
from .pickle_writer import Converted, build_pose_pickle

__all__ = [
    'Converted', 'build_pose_pickle',
    'JOINT_FIELDS', 'JointOrder', 'apply_joint_order',
    'joint_names_extra', 'joint_order_from_args', 'parse_joint_names',
    'reorder_annotations',
    'NTU_IMG_SHAPE', 'NTU_TRACKING_SCORES', 'NTU_XSUB_TRAIN_SUBJECTS',
    'NTU_XVIEW_TRAIN_CAMERAS', 'EmptySkeletonError', 'convert_ntu_skeletons',
    'ntu_splits', 'parse_ntu_name', 'read_ntu_skeleton',
    'PENN_ACTION_CLASSES', 'PENN_ACTION_JOINTS', 'convert_penn_action',
    'read_penn_action_mat',
    'NW_UCLA_CAMERA', 'NW_UCLA_CLASSES', 'convert_nw_ucla', 'project_pinhole',
    'read_nw_ucla_json',
    'convert_numpy_sequences', 'read_label_list', 'read_numpy_sequence',
]
