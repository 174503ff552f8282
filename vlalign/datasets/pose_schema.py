"""The one definition of a valid PoseDataset annotation.

``PoseTextDataset``, the converters' pickle writer and
``tools/data/validate_pose_pickle.py`` all check annotations with
:func:`validate_annotations`, so they accept and reject the same ones. Each
rule is what mmaction2's skeleton pipelines (``UniformSampleFrames``,
``PoseDecode``, ``PoseCompact``, ``Flip``, ``PreNormalize2D/3D``,
``GenSkeFeat``, ``FormatGCNInput``, ``GeneratePoseTarget``) and vlalign's
transforms (``SkeletonFeatures``, ``UseKeypoint3D``, ``BodyFrame3D``) need;
the reason is written next to it. A problem line names the sample
(``frame_dir``, or its index without one) and the field.
"""
from collections import Counter
from numbers import Integral
from typing import (Any, Collection, Dict, List, Mapping, Optional, Sequence,
                    Tuple)

import numpy as np

# Every annotation needs these. ``frame_dir`` names a sample in the split
# lists (mmaction2's PoseDataset selects split members by it) and in every
# error; ``label`` and ``total_frames`` feed PackActionInputs and the frame
# samplers. ``img_shape`` is only required with 2D keypoints (see below).
REQUIRED_KEYS = ('frame_dir', 'label', 'total_frames', 'keypoint')

# Names quoted per problem (split members, examples): enough to find the cause.
_MAX_NAMES_SHOWN = 5


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), bools excluded."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def sample_name(anno: Any, index: int) -> str:
    """How a problem line names an annotation: ``annotation "frame_dir"``,
    or ``annotation #index`` when it has no str ``frame_dir``."""
    if isinstance(anno, dict) and isinstance(anno.get('frame_dir'), str):
        return f'annotation "{anno["frame_dir"]}"'
    return f'annotation #{index}'


def _plural(count: int, noun: str) -> str:
    suffix = '' if count == 1 else 'es' if noun.endswith('s') else 's'
    return f'{count} {noun}{suffix}'


def _label_problems(anno: Mapping, num_classes: Optional[int],
                    class_file: Optional[str]) -> List[str]:
    # An int (vlalign renumbers it to a Python int; mmaction2's format_label
    # refuses floats): a float label usually means a wrong column was written.
    label = anno['label']
    if not is_int(label):
        return [f'label {label!r} is not an int']
    if label < 0 or (num_classes is not None and label >= num_classes):
        span = f'[0, {num_classes})' if num_classes is not None else '>= 0'
        where = (f' (the label file {class_file} holds '
                 f'{_plural(num_classes, "class")})' if class_file else '')
        return [f'label {label} is out of range {span}{where}']
    return []


def _shape_problems(anno: Mapping, key: str) -> List[str]:
    """``img_shape`` / ``original_shape``: a pair of positive ints (H, W)."""
    value = anno[key]
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(is_int(v) and v > 0 for v in value)):
        return [f'{key} {value!r} is not a pair of positive ints (H, W)']
    return []


def _array_problems(anno: Mapping, key: str, shape: tuple,
                    float_only: bool) -> List[str]:
    """Type, shape and NaN/inf of ``keypoint_score`` or ``keypoint_3d``."""
    value = anno[key]
    kinds = 'f' if float_only else 'fiu'
    if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds:
        kind = value.dtype if isinstance(value, np.ndarray) \
            else type(value).__name__
        what = 'float' if float_only else 'numeric'
        return [f'{key} is not a {what} array (got {kind})']
    if value.shape != shape:
        return [f'{key} has shape {value.shape}, expected {shape}']
    if value.dtype.kind == 'f' and value.size and not np.isfinite(value).all():
        return [f'{key} has {int((~np.isfinite(value)).sum())} NaN/inf values']
    return []


def _keypoint_problems(anno: Mapping) -> Tuple[List[str], Optional[tuple]]:
    """Problems of ``keypoint`` and the arrays that follow its shape; also
    ``[M, T, V, C]`` when usable for the cross-annotation checks."""
    kp = anno['keypoint']
    # Float: PreNormalize2D/3D write normalised coordinates back into the
    # array in place before PoseDecode casts to float32, so integer pixels
    # silently become 0 (PreNormalize2D), and PoseCompact fails on them.
    if not isinstance(kp, np.ndarray) or kp.dtype.kind != 'f':
        kind = kp.dtype if isinstance(kp, np.ndarray) else type(kp).__name__
        return [f'keypoint is not a float array (got {kind})'], None
    # [M, T, V, C]: C = 2 (x, y pixels) or 3 (3D coordinates, or x, y, score).
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        return [f'keypoint has shape {kp.shape}, expected [M, T, V, 2|3]'], None
    empty = [axis for axis, n in zip(('person', 'frame', 'joint'), kp.shape)
             if n == 0]
    if empty:
        return [f'keypoint has shape {kp.shape}: no {" or ".join(empty)}'], None
    problems = []
    # One vectorised pass per array: all checks of Penn Action's 2,326
    # annotations take about as long as unpickling them (~0.1 s).
    if not np.isfinite(kp).all():
        problems.append(f'keypoint has {int((~np.isfinite(kp)).sum())} '
                        'NaN/inf values')
    if 'keypoint_score' in anno:
        if kp.shape[-1] == 3:
            # FormatGCNInput appends the score as a 4th channel (the model
            # then fails on its input width) and GenSkeFeat asserts that
            # only 2D keypoints have scores.
            problems.append(f'keypoint_score given with keypoint {kp.shape}: '
                            'keypoints with 3 channels (3D, or x, y, score) '
                            'take no separate keypoint_score')
        else:
            problems += _array_problems(anno, 'keypoint_score', kp.shape[:3],
                                        float_only=False)
    # UseKeypoint3D replaces keypoint by keypoint_3d after loading, so it
    # must fit total_frames and the joint count the same way.
    if 'keypoint_3d' in anno:
        problems += _array_problems(anno, 'keypoint_3d', kp.shape[:3] + (3, ),
                                    float_only=True)
    # 2D keypoints are pixels: GeneratePoseTarget, PoseCompact and Flip read
    # img_shape, and PreNormalize2D silently assumes 1080 x 1920 without it.
    # 3D pickles (mmaction2's NTU 3D) have none, and need none.
    if kp.shape[-1] == 2 and 'img_shape' not in anno:
        problems.append('no img_shape (H, W), which 2D pixel keypoints need')
    return problems, kp.shape


def _frame_problems(total: Any, shape: Optional[tuple]) -> List[str]:
    # total_frames == T: UniformSampleFrames asserts
    # ``total_frames == keypoint.shape[1]`` and PreNormalize3D likewise;
    # a smaller value would make other samplers ignore the last frames.
    if not is_int(total):
        return [f'total_frames {total!r} is not an int']
    if total <= 0:
        return [f'total_frames is {total}: no frames']
    if shape is not None and total != shape[1]:
        return [f'total_frames {total} != keypoint.shape[1] {shape[1]}']
    return []


def _annotation_problems(anno: Any, num_classes: Optional[int] = None,
                        class_file: Optional[str] = None,
                        label_only: bool = False
                        ) -> Tuple[List[str], Optional[tuple]]:
    """Every problem of one annotation on its own.

    Args:
        anno (Any): The annotation.
        num_classes (int, optional): Labels must be below it. Defaults to
            ``None`` (only ``label >= 0``).
        class_file (str, optional): Label file behind ``num_classes``, named
            in the message. Defaults to ``None``.
        label_only (bool): Check only ``frame_dir`` and ``label``. Defaults
            to ``False``.

    Returns:
        tuple[list[str], tuple | None]: The problems, and the keypoint shape
        ``[M, T, V, C]`` when it is usable for cross-annotation checks.
    """
    if not isinstance(anno, dict):
        return [f'is a {type(anno).__name__}, not a dict'], None
    keys = REQUIRED_KEYS[:2] if label_only else REQUIRED_KEYS
    missing = [k for k in keys if k not in anno]
    problems = [f'missing keys {missing}'] if missing else []
    if 'frame_dir' in anno and not isinstance(anno['frame_dir'], str):
        problems.append(f'frame_dir {anno["frame_dir"]!r} is not a str')
    if 'label' in anno:
        problems += _label_problems(anno, num_classes, class_file)
    if label_only:
        return problems, None
    for key in ('img_shape', 'original_shape'):
        if key in anno:
            problems += _shape_problems(anno, key)
    shape = None
    if 'keypoint' in anno:
        kp_problems, shape = _keypoint_problems(anno)
        problems += kp_problems
    if 'total_frames' in anno:
        problems += _frame_problems(anno['total_frames'], shape)
    return problems, shape


def _cross_problems(annos: Sequence[Any],
                    shapes: Dict[int, tuple]) -> Dict[int, List[str]]:
    """Problems between annotations: repeated ``frame_dir``, joint and
    coordinate counts that differ from the file's, 2D keypoints without
    scores. ``shapes`` maps index -> usable keypoint shape."""
    problems: Dict[int, List[str]] = {}
    # A split list names samples by frame_dir, so a repeated one is selected
    # twice (PoseDataset keeps both) and errors name two samples alike.
    first: Dict[str, int] = {}
    for i, anno in enumerate(annos):
        name = anno.get('frame_dir') if isinstance(anno, dict) else None
        if isinstance(name, str):
            if name in first:
                problems.setdefault(i, []).append(
                    f'duplicate frame_dir (first at annotation #{first[name]})')
            else:
                first[name] = i
    if not shapes:
        return problems
    # One joint count and one channel count per file: a graph backbone is
    # built for one V, ActionDataPreprocessor's stack_batch zero-pads a batch
    # to its largest [M, T, V, C] without a word, and 2D keypoints with scores
    # and 3D ones both become 3 channels, a mix of meanings.
    for axis, what in ((2, 'joints'), (3, 'coordinates')):
        # The most common count is the file's (the first seen on ties).
        (ref, count), = Counter(s[axis] for s in shapes.values()).most_common(1)
        for i, shape in shapes.items():
            if shape[axis] != ref:
                problems.setdefault(i, []).append(
                    f'keypoint has {shape[axis]} {what} where '
                    f'{_plural(count, "annotation")} have {ref}: one '
                    f'{what[:-1]} count per file')
    # 2D keypoints carry their confidence in keypoint_score: it is the third
    # input channel that FormatGCNInput and SkeletonFeatures append and that
    # the GCN recipes (in_channels=3) expect. Without it a sample has 2
    # channels: alone it crashes the model; in a batch stack_batch pads a
    # zero score, and its prediction changes.
    flat = [i for i, s in shapes.items() if s[3] == 2]
    scored = sum('keypoint_score' in annos[i] for i in flat)
    for i in flat:
        if 'keypoint_score' not in annos[i]:
            hint = (f', while {_plural(scored, "other annotation")} have '
                    'one' if scored else ' (write ones if the poses have no '
                    'confidence)')
            problems.setdefault(i, []).append(
                'no keypoint_score [M, T, V], which 2D keypoints need as '
                f'their third input channel{hint}')
    return problems


def split_problems(splits: Any, names: Collection[str]) -> List[str]:
    """Problems of a ``split`` dict given the annotations' ``frame_dir``s.

    Returns:
        list[str]: One line per split naming unknown or repeated samples.
    """
    if not isinstance(splits, Mapping):
        return [f'split is a {type(splits).__name__}, not a dict']
    problems = []
    for name, members in splits.items():
        if isinstance(members, (str, bytes)) or not isinstance(members, Sequence):
            problems.append(f'split "{name}" is a {type(members).__name__}, '
                            'not a list of frame_dir')
            continue
        unknown = [m for m in members if not isinstance(m, str)
                   or m not in names]
        if unknown:
            problems.append(f'split "{name}" names {len(unknown)} unknown '
                            f'frame_dir, e.g. {unknown[:_MAX_NAMES_SHOWN]}')
        repeated = [m for m, n in Counter(
            m for m in members if isinstance(m, str)).items() if n > 1]
        if repeated:
            problems.append(f'split "{name}" repeats {len(repeated)} frame_dir, '
                            f'e.g. {repeated[:_MAX_NAMES_SHOWN]}')
    return problems


def validate_annotations(annos: Sequence[Any],
                         num_classes: Optional[int] = None,
                         source: str = '',
                         splits: Optional[Mapping[str, Sequence[str]]] = None,
                         class_file: Optional[str] = None,
                         label_only: Collection[int] = ()) -> List[str]:
    """Every problem of a list of PoseDataset annotations.

    Per annotation: a dict with ``frame_dir`` (str), ``label`` (int in
    ``[0, num_classes)``), ``total_frames`` (int ``== T``) and ``keypoint``
    (float ``[M, T, V, 2|3]``, no empty axis, no NaN/inf); ``keypoint_score``
    ``[M, T, V]`` with 2D keypoints and never with 3-channel ones;
    ``keypoint_3d`` (optional) float ``[M, T, V, 3]``; ``img_shape`` with 2D
    keypoints; ``img_shape`` / ``original_shape`` (when present) pairs of
    positive ints. Across annotations: no repeated ``frame_dir``, one joint
    count ``V`` and one channel count ``C``. With ``splits``: no split
    naming unknown or repeated samples.

    Args:
        annos (Sequence[dict]): The annotations.
        num_classes (int, optional): Labels must be below it. Defaults to
            ``None`` (only ``label >= 0`` is checked).
        source (str): Prefix of every problem line, e.g. the file name.
            Defaults to ``''``.
        splits (Mapping[str, Sequence[str]], optional): The pickle's
            ``split`` dict. Defaults to ``None`` (not checked).
        class_file (str, optional): Label file behind ``num_classes``, named
            in label problems. Defaults to ``None``.
        label_only (Collection[int]): Indices of annotations of which only
            ``frame_dir`` and ``label`` are checked (a dataset drops them:
            other classes). Defaults to ``()``.

    Returns:
        list[str]: One line per malformed annotation (all its problems,
        joined by ``'; '``), then one per bad split; empty when all is well.
    """
    prefix = f'{source}: ' if source else ''
    label_only = set(label_only)
    own: Dict[int, List[str]] = {}
    shapes: Dict[int, tuple] = {}
    for i, anno in enumerate(annos):
        own[i], shape = _annotation_problems(anno, num_classes, class_file,
                                            label_only=i in label_only)
        if shape is not None:
            shapes[i] = shape
    for i, problems in _cross_problems(annos, shapes).items():
        own[i] += problems
    report = [f'{prefix}{sample_name(annos[i], i)}: ' + '; '.join(p)
              for i, p in own.items() if p]
    if splits is not None:
        names = {a['frame_dir'] for a in annos if isinstance(a, dict)
                 and isinstance(a.get('frame_dir'), str)}
        report += [prefix + p for p in split_problems(splits, names)]
    return report
