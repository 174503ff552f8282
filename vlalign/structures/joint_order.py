"""Reorder the joints of pose arrays by name into a layout's order.

Data sets store the same skeleton in different joint orders (Kinect v1 data
with the head first, or the shoulders first, instead of the SDK's hip-centre
first). Naming the source's joints once turns any of them into the order of
a :class:`~vlalign.structures.skeleton_layouts.SkeletonLayout`, so every
recipe written for that layout applies unchanged.
"""
from typing import Optional, Sequence

import numpy as np

from vlalign.utils.errors import ConfigError, DataError

from .skeleton_layouts import LayoutSpec, SkeletonLayout, get_layout


def joint_permutation(source_names: Sequence[str],
                      target_layout: LayoutSpec) -> np.ndarray:
    """Indices that put joints named ``source_names`` in the layout's order.

    Args:
        source_names (Sequence[str]): Joint names of the source arrays, in
            their order; the names of ``target_layout``'s joints.
        target_layout (str | SkeletonLayout | Mapping): The order wanted.

    Returns:
        np.ndarray: int64 ``[V]``; ``perm[i]`` is the source index of the
        layout's joint ``i``, so ``array.take(perm, axis)`` reorders.

    Raises:
        ConfigError: Repeated names, or names that do not match the layout's
            joints one to one (the message lists the missing and the extra
            ones, and the layout's names).
    """
    layout = get_layout(target_layout)
    names = list(source_names)
    bad = [n for n in names if not isinstance(n, str) or not n]
    if bad:
        raise ConfigError(f'joint names must be non-empty strings, got {bad}')
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f'joint names {repeated} are given more than once')
    missing = [n for n in layout.joints if n not in names]
    extra = [n for n in names if n not in layout.joints]
    if missing or extra:
        raise ConfigError(
            f'the {len(names)} joint names do not match layout '
            f'"{layout.name}" ({layout.num_joints} joints): missing '
            f'{missing}, not in the layout {extra}; its joints are '
            f'{list(layout.joints)}')
    return np.array([names.index(n) for n in layout.joints], dtype=np.int64)


def reorder_joints(array: np.ndarray, source_names: Sequence[str],
                   target_layout: LayoutSpec, axis: int = -2) -> np.ndarray:
    """``array`` with its joint axis in the order of ``target_layout``.

    Args:
        array (np.ndarray): E.g. ``keypoint`` ``[M, T, V, C]`` (``axis=-2``)
            or ``keypoint_score`` ``[M, T, V]`` (``axis=-1``).
        source_names (Sequence[str]): Names of the ``V`` joints, in the
            array's order.
        target_layout (str | SkeletonLayout | Mapping): The order wanted.
        axis (int): The joint axis. Defaults to ``-2``.

    Returns:
        np.ndarray: A reordered copy, same shape and dtype.

    Raises:
        ConfigError: See :func:`joint_permutation`.
        DataError: The joint axis does not hold ``len(source_names)``
            joints.
    """
    array = np.asarray(array)
    if not -array.ndim <= axis < array.ndim:
        raise DataError(f'joint axis {axis} is out of range for an array of '
                        f'shape {array.shape}')
    if array.shape[axis] != len(source_names):
        raise DataError(f'array of shape {array.shape} has '
                        f'{array.shape[axis]} joints on axis {axis}, but '
                        f'{len(source_names)} joint names are given')
    return np.take(array, joint_permutation(source_names, target_layout),
                   axis=axis)


def reorder_layout(layout: LayoutSpec, joint_names: Sequence[str],
                   name: Optional[str] = None) -> SkeletonLayout:
    """The same skeleton with its joints in the order ``joint_names``.

    Its bones, graph and centre are the original's, renumbered; e.g.
    ``reorder_layout('kinect_v1_20', ['head', ...]).to_config()`` is the
    dict for a config whose data keep the head first.

    Args:
        layout (str | SkeletonLayout | Mapping): The skeleton.
        joint_names (Sequence[str]): Its joint names, in the new order.
        name (str, optional): The new layout's name. Defaults to
            ``'<name>_reordered'``.

    Raises:
        ConfigError: See :func:`joint_permutation`.
    """
    layout = get_layout(layout)
    # new_id[i]: the new id of the layout's joint i.
    new_id = [int(i) for i in joint_permutation(joint_names, layout)]
    old_id = {new: old for old, new in enumerate(new_id)}
    num = layout.num_joints
    edges = None
    if layout.graph_edges is not None:
        edges = tuple((new_id[a], new_id[b]) for a, b in layout.graph_edges)
    return SkeletonLayout(
        name or f'{layout.name}_reordered',
        tuple(layout.joints[old_id[k]] for k in range(num)),
        tuple(new_id[layout.parents[old_id[k]]] for k in range(num)),
        graph_edges=edges, center=new_id[layout.center])
