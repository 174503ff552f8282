"""Reading pickles (PoseDataset annotations, score dumps) with errors that
name the file and field."""
import os
import pickle
from typing import Any, Dict, List, Optional, Tuple

from vlalign.utils.errors import DataError
from .pose_schema import split_problems


def read_pickle(path: str, what: str = 'annotation file') -> Any:
    """Unpickle ``path``; the one reader of vlalign's pickles.

    Args:
        path (str): The file.
        what (str): What it is, for the message of a missing file. Defaults
            to ``'annotation file'``.

    Raises:
        DataError: Missing, truncated or non-pickle file.
    """
    if not os.path.isfile(path):
        raise DataError(f'{what} {path} does not exist')
    try:
        with open(path, 'rb') as f:
            return pickle.load(f)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, ImportError, IndexError) as e:
        raise DataError(f'{path} is not a readable pickle (truncated or '
                        f'corrupt?): {type(e).__name__}: {e}') from e


def read_pose_pickle(path: str) -> Tuple[List[Any], Optional[Any]]:
    """Annotations and split dict of a PoseDataset pickle, unchecked.

    Accepts both layouts mmaction2 uses: ``{'split': {...}, 'annotations':
    [...]}`` and a bare list of annotations (no splits). The annotations
    themselves are left to :mod:`vlalign.datasets.pose_schema`.

    Raises:
        DataError: Missing or unreadable file, or a wrong top-level layout.
    """
    data = read_pickle(path)
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict):
        raise DataError(f'{path}: expected a dict with "split" and '
                        f'"annotations" or a list, got {type(data).__name__}')
    if 'annotations' not in data:
        raise DataError(f'{path}: a dict pickle needs the key '
                        f'"annotations"; found {sorted(data)[:10]}')
    if not isinstance(data['annotations'], list):
        raise DataError(f'{path}: "annotations" is a '
                        f'{type(data["annotations"]).__name__}, not a list')
    return data['annotations'], data.get('split')


def load_pose_annotations(path: str, split: Optional[str] = None) -> List[Dict]:
    """Annotations of a PoseDataset pickle, optionally of one split.

    Only the file and the split are checked here (the datasets check the
    annotations with :func:`vlalign.datasets.pose_schema.validate_annotations`);
    annotations of a split keep the file's order, repeated ``frame_dir``s
    included.

    Raises:
        DataError: Missing, truncated or non-pickle file; wrong top-level
            type; an annotation that is no dict; unknown split; split naming
            unknown or repeated samples.
    """
    annos, splits = read_pose_pickle(path)
    for i, item in enumerate(annos):
        if not isinstance(item, dict):
            raise DataError(f'{path}: annotation {i} is a '
                            f'{type(item).__name__}, not a dict')
    if split is None:
        return list(annos)
    if not splits:
        raise DataError(f'{path} has no "split" dict, but split="{split}" '
                        'was asked for')
    if not isinstance(splits, dict):
        raise DataError(f'{path}: "split" is a {type(splits).__name__}, not '
                        'a dict of frame_dir lists')
    if split not in splits:
        raise DataError(f'{path}: unknown split "{split}"; the file has '
                        f'{sorted(splits)}')
    key = 'filename' if annos and 'filename' in annos[0] else 'frame_dir'
    problems = split_problems({split: splits[split]},
                              {a.get(key) for a in annos
                               if isinstance(a.get(key), str)})
    if problems:
        raise DataError(f'{path}: ' + '; '.join(problems))
    wanted = set(splits[split])
    return [a for a in annos if a.get(key) in wanted]
