"""Checking PoseDataset annotations: every problem at once, each named.

:func:`vlalign.datasets.pose_io.load_pose_annotations` stops at the first
problem, as a loader should. Before a long training run, or after converting a
data set, one wants the whole list instead: :func:`validate_annotations` and
:func:`validate_pose_file` return one line per malformed annotation, naming its
``frame_dir`` (or its index when it has none) and the fields at fault.
"""
import os
import pickle
from collections import Counter
from numbers import Integral
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from vlalign.classes.label_map import load_class_names
from vlalign.utils.errors import DataError

REQUIRED_KEYS = ('frame_dir', 'label', 'total_frames', 'keypoint', 'img_shape')

# A file with many broken annotations would otherwise print a line per
# unknown name of a split; the first few are enough to find the cause.
_MAX_NAMES_SHOWN = 5


def _is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), bools excluded."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def _where(anno: Any, index: int) -> str:
    """How a problem line names an annotation."""
    if isinstance(anno, dict) and isinstance(anno.get('frame_dir'), str):
        return f'annotation "{anno["frame_dir"]}"'
    return f'annotation #{index}'


def _shape_problems(anno: Mapping, key: str) -> List[str]:
    """Problems of an ``(H, W)`` field such as ``img_shape``."""
    value = anno[key]
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(_is_int(v) and v > 0 for v in value)):
        return [f'{key} {value!r} is not a pair of positive ints (H, W)']
    return []


def _keypoint_problems(anno: Mapping) -> Tuple[List[str], Optional[tuple]]:
    """Problems of ``keypoint`` / ``keypoint_score``; also the keypoint shape
    ``[M, T, V, C]`` when it is usable for further checks."""
    problems: List[str] = []
    kp = anno['keypoint']
    if not isinstance(kp, np.ndarray) or not np.issubdtype(kp.dtype, np.floating):
        kind = kp.dtype if isinstance(kp, np.ndarray) else type(kp).__name__
        return [f'keypoint is not a float array (got {kind})'], None
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        return [f'keypoint has shape {kp.shape}, expected [M, T, V, 2|3]'], None
    if kp.shape[0] == 0 or kp.shape[2] == 0:
        problems.append(f'keypoint has shape {kp.shape}: no person or no joint')
    if kp.size and not np.isfinite(kp).all():
        bad = int((~np.isfinite(kp)).sum())
        problems.append(f'keypoint has {bad} NaN/inf values')
    if 'keypoint_score' in anno:
        score = anno['keypoint_score']
        if not isinstance(score, np.ndarray):
            problems.append('keypoint_score is a '
                            f'{type(score).__name__}, not an array')
        elif score.shape != kp.shape[:3]:
            problems.append(f'keypoint_score has shape {score.shape}, expected '
                            f'{kp.shape[:3]} (keypoint.shape[:3])')
        elif (np.issubdtype(score.dtype, np.floating) and score.size
              and not np.isfinite(score).all()):
            problems.append('keypoint_score has NaN/inf values')
    return problems, kp.shape


def _annotation_problems(anno: Any, num_classes: Optional[int]) -> List[str]:
    """Every problem of one annotation (without cross-annotation checks)."""
    if not isinstance(anno, dict):
        return [f'is a {type(anno).__name__}, not a dict']
    missing = [k for k in REQUIRED_KEYS if k not in anno]
    problems = [f'missing keys {missing}'] if missing else []
    if 'frame_dir' in anno and not isinstance(anno['frame_dir'], str):
        problems.append(f'frame_dir {anno["frame_dir"]!r} is not a str')
    if 'label' in anno:
        label = anno['label']
        if not _is_int(label):
            problems.append(f'label {label!r} is not an int')
        elif label < 0 or (num_classes is not None and label >= num_classes):
            span = f'[0, {num_classes})' if num_classes is not None else '>= 0'
            problems.append(f'label {label} is out of range {span}')
    for key in ('img_shape', 'original_shape'):
        if key in anno:
            problems += _shape_problems(anno, key)
    shape = None
    if 'keypoint' in anno:
        kp_problems, shape = _keypoint_problems(anno)
        problems += kp_problems
    if 'total_frames' in anno:
        total = anno['total_frames']
        if not _is_int(total):
            problems.append(f'total_frames {total!r} is not an int')
        elif total <= 0:
            problems.append(f'total_frames is {total}: no frames')
        elif shape is not None and total != shape[1]:
            problems.append(f'total_frames {total} != keypoint.shape[1] '
                            f'{shape[1]}')
    elif shape is not None and shape[1] == 0:
        problems.append('keypoint has 0 frames')
    return problems


def validate_annotations(annos: Sequence[Any],
                         num_classes: Optional[int] = None,
                         source: str = '',
                         splits: Optional[Mapping[str, Sequence[str]]] = None
                         ) -> List[str]:
    """Every problem of a list of PoseDataset annotations.

    Checked per annotation: a dict with the keys ``frame_dir`` (a str),
    ``label``, ``total_frames``, ``keypoint``, ``img_shape``; ``keypoint`` a
    float array ``[M, T, V, 2|3]`` without NaN/inf, ``keypoint_score`` (when
    present) of shape ``[M, T, V]``; ``total_frames`` a positive int equal to
    ``T``; ``label`` an int in ``[0, num_classes)``; ``img_shape`` (and
    ``original_shape``) a pair of positive ints. Across annotations: repeated
    ``frame_dir``. With ``splits``: split lists naming unknown ``frame_dir``.

    Args:
        annos (Sequence[dict]): The annotations.
        num_classes (int, optional): Labels must be below it. Defaults to
            ``None`` (only ``label >= 0`` is checked).
        source (str): Prefix of every problem line, e.g. the file name.
            Defaults to ``''``.
        splits (Mapping[str, Sequence[str]], optional): The pickle's
            ``split`` dict. Defaults to ``None`` (not checked).

    Returns:
        list[str]: One line per malformed annotation (all its problems,
        joined by ``'; '``), then one per bad split; empty when all is well.
    """
    prefix = f'{source}: ' if source else ''
    report: List[str] = []
    first_index: Dict[str, int] = {}
    for i, anno in enumerate(annos):
        problems = _annotation_problems(anno, num_classes)
        name = anno.get('frame_dir') if isinstance(anno, dict) else None
        if isinstance(name, str):
            if name in first_index:
                problems.append(f'duplicate frame_dir (first at annotation '
                                f'#{first_index[name]})')
            else:
                first_index[name] = i
        if problems:
            report.append(f'{prefix}{_where(anno, i)}: ' + '; '.join(problems))
    if splits is not None:
        report += [prefix + p for p in _split_problems(splits, first_index)]
    return report


def _split_problems(splits: Any, known: Mapping[str, int]) -> List[str]:
    """Problems of a ``split`` dict given the known ``frame_dir`` names."""
    if not isinstance(splits, Mapping):
        return [f'split is a {type(splits).__name__}, not a dict']
    problems = []
    for name, members in splits.items():
        if isinstance(members, (str, bytes)) or not isinstance(members, Sequence):
            problems.append(f'split "{name}" is a {type(members).__name__}, '
                            'not a list of frame_dir')
            continue
        unknown = [m for m in members if m not in known]
        if unknown:
            problems.append(f'split "{name}" names {len(unknown)} unknown '
                            f'frame_dir, e.g. {unknown[:_MAX_NAMES_SHOWN]}')
        repeated = [m for m, n in Counter(members).items() if n > 1]
        if repeated:
            problems.append(f'split "{name}" repeats {len(repeated)} frame_dir, '
                            f'e.g. {repeated[:_MAX_NAMES_SHOWN]}')
    return problems


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


def _read_pose_pickle(path: str) -> Tuple[List[Any], Optional[Any]]:
    """Annotations and split dict of a pickle, without per-sample checks.

    Unlike :func:`vlalign.datasets.pose_io.load_pose_annotations`, which stops
    at the first non-dict annotation, this leaves every per-sample check to
    :func:`validate_annotations` so that all of them are reported; it reads
    the (possibly GB-sized) file once.

    Raises:
        DataError: Missing or unreadable file, or a wrong top-level layout.
    """
    if not os.path.isfile(path):
        raise DataError(f'annotation file {path} does not exist')
    try:
        with open(path, 'rb') as f:
            data = pickle.load(f)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, ImportError, IndexError) as e:
        raise DataError(f'{path} is not a readable pickle (truncated or '
                        f'corrupt?): {type(e).__name__}: {e}') from e
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict) or 'annotations' not in data:
        found = sorted(data)[:10] if isinstance(data, dict) else type(data).__name__
        raise DataError(f'{path}: expected a dict with "split" and '
                        f'"annotations" or a list, got {found}')
    if not isinstance(data['annotations'], list):
        raise DataError(f'{path}: "annotations" is a '
                        f'{type(data["annotations"]).__name__}, not a list')
    return data['annotations'], data.get('split')


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
        annos, splits = _read_pose_pickle(path)
        classes = load_class_names(class_file) if class_file else None
    except DataError as e:
        return [str(e)], None
    num_classes = len(classes) if classes is not None else None
    problems = validate_annotations(annos, num_classes=num_classes,
                                    source=path, splits=splits)
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
