"""Writing a PoseDataset pickle (validated, then replaced atomically), and
the helpers all converters share."""
import os
import pickle
import sys
from typing import (Any, Dict, Iterable, List, Mapping, NamedTuple, Optional,
                    Sequence, Tuple)

from vlalign.datasets.pose_schema import validate_annotations
from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import DataError

# Problems quoted in the error of a failed write; the validator tool lists all.
_MAX_PROBLEMS_SHOWN = 5


class Converted(NamedTuple):
    """What a directory converter returns.

    Attributes:
        annotations (list[dict]): PoseDataset annotations, sorted by
            ``frame_dir``.
        splits (dict[str, list[str]]): Split name -> ``frame_dir`` list.
        skipped (tuple[str, ...]): Source files left out on purpose (e.g. NTU
            files without any body), each with the reason.
    """
    annotations: List[Dict[str, Any]]
    splits: Dict[str, List[str]]
    skipped: Tuple[str, ...] = ()


def build_pose_pickle(annotations: Sequence[Dict[str, Any]],
                      splits: Optional[Mapping[str, Sequence[str]]],
                      out_path: str,
                      num_classes: Optional[int] = None,
                      extra: Optional[Mapping[str, Any]] = None) -> str:
    """Validate annotations and write them as a PoseDataset pickle.

    The file is ``{'split': splits, 'annotations': annotations, **extra}``. It
    is written to a temporary file in the destination folder and moved into
    place with :func:`os.replace`, so readers never see a half-written file
    and an error leaves nothing behind (an existing ``out_path`` is kept).

    Args:
        annotations (Sequence[dict]): Annotations (``keypoint`` float32
            ``[M, T, V, 2]`` pixels, ``keypoint_score`` ``[M, T, V]``, ...).
        splits (Mapping[str, Sequence[str]], optional): Split name ->
            ``frame_dir`` list; ``None`` or empty writes ``'split': {}``.
        out_path (str): Destination; its folder is created if needed.
        num_classes (int, optional): Labels must be below it. Defaults to
            ``None``.
        extra (Mapping[str, Any], optional): More top-level keys, e.g.
            ``{'joints': [...]}``. Defaults to ``None``.

    Returns:
        str: ``out_path``.

    Raises:
        DataError: If :func:`validate_annotations` (the schema that the
            datasets and ``tools/data/validate_pose_pickle.py`` apply) finds
            a problem (the message quotes the first few and their count).
    """
    annotations = list(annotations)
    splits = {k: list(v) for k, v in (splits or {}).items()}
    problems = validate_annotations(annotations, num_classes=num_classes,
                                    splits=splits)
    if not annotations:
        problems.append('no annotation to write')
    if problems:
        shown = '; '.join(problems[:_MAX_PROBLEMS_SHOWN])
        more = len(problems) - _MAX_PROBLEMS_SHOWN
        raise DataError(f'{out_path} not written: {len(problems)} problems: '
                        f'{shown}' + (f' (and {more} more)' if more > 0 else ''))
    data = dict(split=splits, annotations=annotations)
    for key, value in (extra or {}).items():
        if key in data:
            raise DataError(f'{out_path}: extra key "{key}" would replace '
                            'the split or annotations')
        data[key] = value
    with atomic_open(out_path, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    return out_path


def list_source_files(src_dir: str, suffix: str) -> List[str]:
    """Sorted paths of the files directly in ``src_dir`` ending with ``suffix``.

    Raises:
        DataError: If ``src_dir`` is no folder or holds no such file.
    """
    if not os.path.isdir(src_dir):
        raise DataError(f'{src_dir} is not a directory')
    files = sorted(os.path.join(src_dir, n) for n in os.listdir(src_dir)
                   if n.endswith(suffix))
    if not files:
        raise DataError(f'{src_dir} holds no {suffix} file')
    return files


def iter_progress(items: Sequence[str], progress: bool) -> Iterable[str]:
    """``items``, through mmengine's progress bar (on stderr) when asked."""
    if not progress:
        return items
    from mmengine.utils import track_iter_progress
    return track_iter_progress(list(items), file=sys.stderr)
