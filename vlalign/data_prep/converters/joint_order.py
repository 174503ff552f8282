"""Reorder converted annotations' joints by name into a built-in layout.

The ``--joint-names FILE_OR_LIST --target-layout NAME`` option of the
``tools/data/convert_*.py`` front ends: a data set that stores a known
skeleton in its own joint order (Kinect v1 with the head first, say) is
written in the layout's order, so the recipes of that layout apply as they
are. The permutation itself is :func:`vlalign.structures.joint_permutation`.
"""
import argparse
import os
import re
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from vlalign.structures import get_layout, joint_permutation
from vlalign.utils.errors import ConfigError, DataError

from .pickle_writer import Converted

# Joint-indexed arrays of a PoseDataset annotation and their joint axis.
JOINT_FIELDS = dict(keypoint=-2, keypoint_score=-1, keypoint_3d=-2)
_SEPARATORS = re.compile(r'[,\s]+')


def parse_joint_names(spec: str) -> List[str]:
    """Joint names from a file or a comma-separated list.

    Args:
        spec (str): A text file with the names in the source's order (one a
            line, or separated by commas/whitespace; ``#`` starts a comment),
            or the names themselves, comma-separated
            (``'head,shoulder_center,...'``).

    Raises:
        ConfigError: Neither a file nor a list, or no names.
    """
    if os.path.isfile(spec):
        with open(spec, encoding='utf-8') as f:
            text = '\n'.join(line.split('#', 1)[0] for line in f)
        where = spec
    elif ',' in spec:
        text, where = spec, 'the --joint-names list'
    else:
        raise ConfigError(f'--joint-names "{spec}" is neither a file nor a '
                          'comma-separated list of joint names')
    names = [n for n in _SEPARATORS.split(text) if n]
    if not names:
        raise ConfigError(f'{where} holds no joint names')
    return names


def reorder_annotations(annotations: Sequence[Dict[str, Any]],
                        source_names: Sequence[str],
                        target_layout: str) -> List[Dict[str, Any]]:
    """Annotations with ``keypoint``, ``keypoint_score`` and
    ``keypoint_3d`` in the joint order of ``target_layout``.

    Args:
        annotations (Sequence[dict]): PoseDataset annotations (``keypoint``
            ``[M, T, V, 2]``, ``keypoint_score`` ``[M, T, V]``, optional
            ``keypoint_3d`` ``[M, T, V, 3]``), left unchanged.
        source_names (Sequence[str]): Names of their ``V`` joints, in order.
        target_layout (str): A name of :data:`vlalign.structures.LAYOUTS`.

    Returns:
        list[dict]: Shallow copies with reordered arrays.

    Raises:
        ConfigError: Names that do not match the layout's joints (missing
            and extra ones are listed).
        DataError: An array whose joint axis does not hold
            ``len(source_names)`` joints; names the sample and the field.
    """
    perm = joint_permutation(source_names, target_layout)
    out = []
    for i, anno in enumerate(annotations):
        anno = dict(anno)
        for field, axis in JOINT_FIELDS.items():
            array = anno.get(field)
            if array is None:
                continue
            if getattr(array, 'ndim', 0) < -axis or \
                    array.shape[axis] != len(perm):
                raise DataError(
                    f'sample "{anno.get("frame_dir", i)}": {field} has shape '
                    f'{getattr(array, "shape", None)}, expected '
                    f'{len(perm)} joints (one per --joint-names entry) on '
                    f'axis {axis}')
            anno[field] = array.take(perm, axis=axis)
        out.append(anno)
    return out


class JointOrder(NamedTuple):
    """A validated reordering: the source's joint names and the target."""
    source_names: List[str]
    target_layout: str


def joint_order_from_args(args: argparse.Namespace) -> Optional[JointOrder]:
    """The reordering ``--joint-names``/``--target-layout`` ask for, checked
    before any file is converted; ``None`` without the options.

    Raises:
        ConfigError: Only one of the two options, or names that do not match
            the layout (missing and extra ones are listed).
    """
    names = getattr(args, 'joint_names', None)
    target = getattr(args, 'target_layout', None)
    if names is None and target is None:
        return None
    if names is None or target is None:
        raise ConfigError('--joint-names and --target-layout go together')
    if not isinstance(target, str):
        raise ConfigError(f'--target-layout must be a layout name, got '
                          f'{target!r}')
    get_layout(target)  # an unknown name lists the known ones
    order = JointOrder(parse_joint_names(names), target)
    joint_permutation(order.source_names, target)  # fail before converting
    return order


def apply_joint_order(result: Converted,
                      order: Optional[JointOrder]) -> Converted:
    """``result`` with its joints reordered (unchanged for ``None``).

    Raises:
        DataError: See :func:`reorder_annotations`.
    """
    if order is None:
        return result
    return result._replace(annotations=reorder_annotations(
        result.annotations, order.source_names, order.target_layout))


def joint_names_extra(order: Optional[JointOrder]) -> Dict[str, List[str]]:
    """Top-level pickle keys recording the joint order written: ``joints``
    (the target layout's names) when the joints were reordered."""
    if order is None:
        return {}
    return dict(joints=list(get_layout(order.target_layout).joints))
