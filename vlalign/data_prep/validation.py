"""Checking a PoseDataset pickle: every problem at once, each named.

The rules are those of :mod:`vlalign.datasets.pose_schema`, which the
datasets and the converters' writer apply too. A loader stops at the first
problem of a file; before a long training run, or after converting a data
set, one wants the whole list instead: :func:`validate_pose_file` and
:func:`check_pose_file` return one line per malformed annotation, naming its
``frame_dir`` (or its index when it has none) and the fields at fault.
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from vlalign.classes.label_map import load_class_names
from vlalign.utils.errors import DataError
from vlalign.datasets.pose_io import read_pose_pickle
from vlalign.datasets.pose_schema import validate_annotations

__all__ = ['check_pose_file', 'summarize_annotations', 'validate_annotations',
           'validate_pose_file']


def summarize_annotations(annos: Sequence[Mapping]) -> Dict[str, Any]:
    """Counts that describe well-formed annotations.

    Args:
        annos (Sequence[dict]): Annotations that passed
            :func:`validate_annotations`.

    Returns:
        dict: ``samples``, ``labels`` (sorted distinct labels), ``joints``,
        ``persons`` and ``frames`` (each a sorted list of distinct values,
        ``frames`` as ``(min, max)``).
    """
    shapes = [a['keypoint'].shape for a in annos]
    frames = [s[1] for s in shapes]
    return dict(samples=len(annos),
                labels=sorted({int(a['label']) for a in annos}),
                joints=sorted({s[2] for s in shapes}),
                persons=sorted({s[0] for s in shapes}),
                frames=(min(frames), max(frames)) if frames else (0, 0))


def check_pose_file(path: str, class_file: Optional[str] = None
                    ) -> Tuple[List[str], Optional[Dict[str, Any]]]:
    """Problems of a PoseDataset pickle, and its summary when it has none.

    Args:
        path (str): The pickle.
        class_file (str, optional): A label file (one class name per line,
            read by :func:`vlalign.classes.label_map.load_class_names`);
            labels must then be below its number of names. Defaults to
            ``None`` (only ``label >= 0`` is checked).

    Returns:
        tuple[list[str], dict | None]: The problem lines (see
        :func:`validate_annotations`; an unreadable file or label file gives
        one line), and :func:`summarize_annotations` plus ``splits``
        (name -> count) and ``num_classes`` when there is no problem.
    """
    try:
        annos, splits = read_pose_pickle(path)
        classes = load_class_names(class_file) if class_file else None
    except DataError as e:
        return [str(e)], None
    num_classes = len(classes) if classes is not None else None
    problems = validate_annotations(annos, num_classes=num_classes,
                                    source=path, splits=splits,
                                    class_file=class_file)
    if not annos:
        problems.append(f'{path}: holds no annotation')
    if problems:
        return problems, None
    summary = summarize_annotations(annos)
    summary['splits'] = {k: len(v) for k, v in (splits or {}).items()}
    summary['num_classes'] = num_classes
    return problems, summary


def validate_pose_file(path: str, class_file: Optional[str] = None) -> List[str]:
    """Every problem of a PoseDataset pickle (see :func:`check_pose_file`).

    Args:
        path (str): The pickle.
        class_file (str, optional): Label file bounding the labels.
            Defaults to ``None``.

    Returns:
        list[str]: Problem lines; empty when the file is well-formed.
    """
    return check_pose_file(path, class_file)[0]
