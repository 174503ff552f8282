"""EGTEA Gaze+ action annotations (published format), read as EPIC segments.

The release's ``action_annotation/`` folder holds split files
(``train_split1.txt`` ... ``test_split3.txt``) with one clip per line::

    OP01-R01-PastaSalad-66680-68130-F001597-F001639 48 1 3

(clip name, then 1-based action, verb and noun indices) and the class lists
``action_idx.txt``, ``verb_idx.txt``, ``noun_idx.txt`` with lines
``<name> <index>`` (names may contain spaces). A clip name is
``<video>-<start ms>-<end ms>-F<start frame>-F<end frame>`` with the video
``<participant>-<recipe id>-<recipe>`` and frames of the 24 fps videos.

The splits cut through videos (a video's clips fall in train and test), so
anticipation histories either read the other split's labels or skip them
(``gappy``; see :func:`vlalign.datasets.action_history.build_history_examples`).
"""
import os
import re
from typing import Dict, List, Tuple

from vlalign.datasets.epic_kitchens import EpicSegment
from vlalign.utils.errors import DataError

#: Frame rate of the EGTEA Gaze+ videos (the frame numbers of clip names).
EGTEA_FPS = 24.0

_CLIP = re.compile(r'^(?P<video>.+)-(?P<start_ms>\d+)-(?P<end_ms>\d+)'
                   r'-F(?P<start>\d+)-F(?P<stop>\d+)$')


def load_egtea_names(path: str) -> List[str]:
    """Read ``verb_idx.txt`` / ``noun_idx.txt`` / ``action_idx.txt``.

    Returns:
        list[str]: Name of 0-based class ``i`` (file index ``i + 1``).

    Raises:
        DataError: If the file is missing, a line has no index, or the
            indices are not exactly 1..N.
    """
    if not os.path.isfile(path):
        raise DataError(f'EGTEA class list {path} does not exist')
    names: Dict[int, str] = {}
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            parts = line.rsplit(' ', 1)
            if len(parts) != 2 or not parts[1].isdigit():
                raise DataError(f'{path}: line {line_no}: expected "<name> '
                                f'<index>", got {line!r}')
            index = int(parts[1])
            if index in names:
                raise DataError(f'{path}: line {line_no}: index {index} '
                                'repeats')
            names[index] = parts[0].strip()
    if set(names) != set(range(1, len(names) + 1)):
        raise DataError(f'{path}: indices must be 1..{len(names)}')
    return [names[i] for i in range(1, len(names) + 1)]


def load_egtea_split(path: str) -> Tuple[List[EpicSegment], List[int]]:
    """Read a split file (``train_split1.txt``, ...).

    Returns:
        tuple: The clips as :class:`EpicSegment` (``narration_id`` = clip
        name, 0-based ``verb_class``/``noun_class``, 24 fps frames) and
        their 0-based action indices.

    Raises:
        DataError: Naming the file, line and field at fault.
    """
    if not os.path.isfile(path):
        raise DataError(f'EGTEA split file {path} does not exist')
    segments, actions, seen = [], [], set()
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 4:
                raise DataError(f'{path}: line {line_no}: expected "<clip> '
                                f'<action> <verb> <noun>", got {line!r}')
            clip = fields[0]
            match = _CLIP.match(clip)
            if match is None:
                raise DataError(f'{path}: line {line_no}: clip name {clip!r} '
                                'is not <video>-<ms>-<ms>-F<frame>-F<frame>')
            try:
                action, verb, noun = (int(v) - 1 for v in fields[1:])
            except ValueError:
                raise DataError(f'{path}: line {line_no}: action/verb/noun '
                                f'must be integers, got {fields[1:]}') from None
            if min(action, verb, noun) < 0:
                raise DataError(f'{path}: line {line_no}: indices are '
                                '1-based, got 0')
            if clip in seen:
                raise DataError(f'{path}: line {line_no}: clip {clip} '
                                'repeats')
            seen.add(clip)
            start, stop = int(match['start']), int(match['stop'])
            if stop < start:
                raise DataError(f'{path}: line {line_no}: clip {clip} ends '
                                'before it starts')
            video = match['video']
            segments.append(EpicSegment(
                narration_id=clip, participant_id=video.split('-')[0],
                video_id=video, start_frame=start, stop_frame=stop,
                verb_class=verb, noun_class=noun))
            actions.append(action)
    if not segments:
        raise DataError(f'{path}: no clip')
    return segments, actions
