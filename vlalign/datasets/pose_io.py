"""Reading PoseDataset pickles with errors that name the file and field."""
import os
import pickle
from typing import Dict, List, Optional

from vlalign.utils.errors import DataError


def load_pose_annotations(path: str, split: Optional[str] = None) -> List[Dict]:
    """Annotations of a PoseDataset pickle, optionally of one split.

    Accepts both layouts mmaction2 uses: ``{'split': {...}, 'annotations':
    [...]}`` and a bare list of annotations (no splits).

    Raises:
        DataError: Missing, truncated or non-pickle file; wrong top-level
            type; unknown split; split naming unknown samples.
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
    if isinstance(data, dict):
        if 'annotations' not in data:
            raise DataError(f'{path}: a dict pickle needs the key '
                            f'"annotations"; found {sorted(data)[:10]}')
        annos, splits = data['annotations'], data.get('split')
    elif isinstance(data, list):
        annos, splits = data, None
    else:
        raise DataError(f'{path}: expected a dict with "split" and '
                        f'"annotations" or a list, got {type(data).__name__}')
    for i, item in enumerate(annos):
        if not isinstance(item, dict):
            raise DataError(f'{path}: annotation {i} is a '
                            f'{type(item).__name__}, not a dict')
    if split is None:
        return list(annos)
    if not splits:
        raise DataError(f'{path} has no "split" dict, but split="{split}" '
                        'was asked for')
    if split not in splits:
        raise DataError(f'{path}: unknown split "{split}"; the file has '
                        f'{sorted(splits)}')
    key = 'filename' if annos and 'filename' in annos[0] else 'frame_dir'
    wanted = set(splits[split])
    kept = [a for a in annos if a.get(key) in wanted]
    if len(kept) != len(wanted):
        missing = sorted(wanted - {a.get(key) for a in kept})[:5]
        raise DataError(f'{path}: split "{split}" names samples without '
                        f'annotations, e.g. {missing}')
    return kept
