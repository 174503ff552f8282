"""EPIC-KITCHENS-100 annotation files: readers and writers for the published
formats.

Two kinds of file are covered, exactly as released in
``epic-kitchens-100-annotations``:

* segment files, ``EPIC_100_train.csv`` / ``EPIC_100_validation.csv`` (and
  the test-set ``EPIC_100_test_timestamps.csv``, which has no labels), with
  the header :data:`EPIC_100_COLUMNS`. A row looks like::

      P01_01_0,P01,P01_01,00:00:01.089,00:00:00.14,00:00:03.37,8,202,open door,open,3,door,8,['door'],[8]

  ``start_frame`` / ``stop_frame`` count frames of the 60 fps RGB stream.
* class files, ``EPIC_100_verb_classes.csv`` (97 rows) and
  ``EPIC_100_noun_classes.csv`` (300 rows), with the header
  ``id,key,instances,category``; ``id`` is the class index.

The annotations are also released as pandas pickles (``.pkl``); those load
when pandas is installed (it is not a dependency: the CSVs hold the same).

EPIC-KITCHENS-55 files (``EPIC_train_action_labels.csv``,
``EPIC_verb_classes.csv``, ``EPIC_noun_classes.csv``) read the same way:
their ``uid`` column is the segment id, their class files have
``verb_id``/``noun_id`` and ``class_key``.
"""
import ast
import csv
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from vlalign.utils.errors import DataError

#: Header of the published ``EPIC_100_train.csv`` / ``EPIC_100_validation.csv``.
EPIC_100_COLUMNS: Tuple[str, ...] = (
    'narration_id', 'participant_id', 'video_id', 'narration_timestamp',
    'start_timestamp', 'stop_timestamp', 'start_frame', 'stop_frame',
    'narration', 'verb', 'verb_class', 'noun', 'noun_class', 'all_nouns',
    'all_noun_classes')

#: Columns every segment file has (the test-set file has only these and the
#: timestamps); EPIC-55 files name the id column ``uid``.
EPIC_REQUIRED_COLUMNS: Tuple[str, ...] = (
    'narration_id', 'participant_id', 'video_id', 'start_frame', 'stop_frame')
#: The segment-id column of EPIC-KITCHENS-55 files.
EPIC_55_ID_COLUMN = 'uid'

#: Header of ``EPIC_100_verb_classes.csv`` / ``EPIC_100_noun_classes.csv``.
EPIC_CLASS_COLUMNS: Tuple[str, ...] = ('id', 'key', 'instances', 'category')

#: Class counts of EPIC-KITCHENS-100.
EPIC_100_NUM_VERBS = 97
EPIC_100_NUM_NOUNS = 300

#: Frame rate of the RGB frames that ``start_frame``/``stop_frame`` count.
EPIC_100_FPS = 60.0


@dataclass(frozen=True)
class EpicSegment:
    """One annotated action segment (one row of an EPIC-100 segment file).

    Attributes:
        narration_id (str): Unique id, ``<video_id>_<index>``.
        participant_id (str): e.g. ``'P01'``.
        video_id (str): e.g. ``'P01_01'``; the key of the video's features.
        start_frame (int): First frame (60 fps frame numbers).
        stop_frame (int): Last frame, ``>= start_frame``.
        verb_class (int): Verb index, ``-1`` when unlabelled (test set).
        noun_class (int): Noun index, ``-1`` when unlabelled (test set).
        verb (str): Verb key. Defaults to ``''``.
        noun (str): Noun key. Defaults to ``''``.
        narration (str): Free-form narration. Defaults to ``''``.
        start_timestamp (str): ``HH:MM:SS.ss``. Defaults to ``''``.
        stop_timestamp (str): ``HH:MM:SS.ss``. Defaults to ``''``.
    """
    narration_id: str
    participant_id: str
    video_id: str
    start_frame: int
    stop_frame: int
    verb_class: int
    noun_class: int
    verb: str = ''
    noun: str = ''
    narration: str = ''
    start_timestamp: str = ''
    stop_timestamp: str = ''

    @property
    def labelled(self) -> bool:
        """Whether both the verb and the noun class are known."""
        return self.verb_class >= 0 and self.noun_class >= 0


def _int_field(value, path: str, row_id: str, column: str,
               minimum: Optional[int] = None) -> int:
    """``value`` as an int, or a DataError naming file, row and column."""
    try:
        text = str(value).strip()
        # pandas pickles may hold floats such as 8.0
        number = float(text) if '.' in text else int(text)
        if isinstance(number, float):
            if not number.is_integer():
                raise ValueError(text)
            number = int(number)
    except (TypeError, ValueError):
        raise DataError(f'{path}: row {row_id}: column "{column}" must be an '
                        f'integer, got {value!r}') from None
    if minimum is not None and number < minimum:
        raise DataError(f'{path}: row {row_id}: column "{column}" must be '
                        f'>= {minimum}, got {number}')
    return number


def _timestamp(seconds: float) -> str:
    """``HH:MM:SS.ss`` as in the published files."""
    hours, rest = divmod(max(seconds, 0.0), 3600)
    minutes, secs = divmod(rest, 60)
    return f'{int(hours):02d}:{int(minutes):02d}:{secs:05.2f}'


def _read_rows(path: str) -> Tuple[List[str], List[Dict[str, str]]]:
    """Header and rows of a segment file (CSV, or pandas pickle)."""
    if not os.path.isfile(path):
        raise DataError(f'EPIC annotation file {path} does not exist')
    if path.endswith('.pkl'):
        try:
            import pandas as pd
        except ImportError:
            raise DataError(
                f'{path}: reading EPIC .pkl annotations needs pandas '
                '(pip install pandas), or use the published .csv') from None
        frame = pd.read_pickle(path)
        # The published pickles are indexed by narration_id.
        if frame.index.name == 'narration_id':
            frame = frame.reset_index()
        header = [str(c) for c in frame.columns]
        return header, [
            {k: v for k, v in zip(header, rec)}
            for rec in frame.itertuples(index=False, name=None)]
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    return header, rows


def load_epic_annotations(path: str) -> List[EpicSegment]:
    """Read an EPIC-KITCHENS-100 segment file.

    Args:
        path (str): ``EPIC_100_train.csv``, ``EPIC_100_validation.csv``,
            ``EPIC_100_test_timestamps.csv`` or the ``.pkl`` versions; or an
            EPIC-55 file (``uid`` as the id column).

    Returns:
        list[EpicSegment]: Rows in file order. Files without
        ``verb_class``/``noun_class`` columns (the test set) give ``-1``.

    Raises:
        DataError: If the file is missing or empty, a required column is
            absent, a value is no integer, a class is negative,
            ``stop_frame < start_frame``, or a ``narration_id`` repeats. The
            message names the file, the row (its ``narration_id``) and the
            column.
    """
    header, rows = _read_rows(path)
    id_column = 'narration_id'
    if id_column not in header and EPIC_55_ID_COLUMN in header:
        id_column = EPIC_55_ID_COLUMN  # EPIC-KITCHENS-55
        header = ['narration_id' if c == id_column else c for c in header]
    missing = [c for c in EPIC_REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataError(f'{path}: missing required columns {missing} '
                        f'(header: {header})')
    if not rows:
        raise DataError(f'{path}: no annotation rows')
    has_verb = 'verb_class' in header
    has_noun = 'noun_class' in header
    segments: List[EpicSegment] = []
    seen = set()
    for index, row in enumerate(rows):
        row_id = str(row.get(id_column) or '').strip()
        if not row_id:
            raise DataError(f'{path}: data row {index + 1}: empty '
                            '"narration_id"')
        if row_id in seen:
            raise DataError(f'{path}: row {row_id}: duplicate narration_id')
        seen.add(row_id)
        video_id = str(row.get('video_id') or '').strip()
        if not video_id:
            raise DataError(f'{path}: row {row_id}: column "video_id" is '
                            'empty')
        start = _int_field(row['start_frame'], path, row_id, 'start_frame', 0)
        stop = _int_field(row['stop_frame'], path, row_id, 'stop_frame', 0)
        if stop < start:
            raise DataError(f'{path}: row {row_id}: column "stop_frame" '
                            f'({stop}) is before start_frame ({start})')
        verb_class = (_int_field(row['verb_class'], path, row_id,
                                 'verb_class', 0) if has_verb else -1)
        noun_class = (_int_field(row['noun_class'], path, row_id,
                                 'noun_class', 0) if has_noun else -1)
        segments.append(EpicSegment(
            narration_id=row_id,
            participant_id=str(row['participant_id']).strip(),
            video_id=video_id, start_frame=start, stop_frame=stop,
            verb_class=verb_class, noun_class=noun_class,
            verb=str(row.get('verb') or ''), noun=str(row.get('noun') or ''),
            narration=str(row.get('narration') or ''),
            start_timestamp=str(row.get('start_timestamp') or ''),
            stop_timestamp=str(row.get('stop_timestamp') or '')))
    return segments


def load_epic_classes(path: str) -> List[str]:
    """Read ``EPIC_100_verb_classes.csv`` or ``EPIC_100_noun_classes.csv``.

    Args:
        path (str): A class file with the header ``id,key,instances,category``
            (only ``id`` and ``key`` are needed), or EPIC-55's
            ``verb_id``/``noun_id,class_key,...``.

    Returns:
        list[str]: ``key`` of each class, at index ``id``.

    Raises:
        DataError: If the file is missing, lacks ``id``/``key``, holds no row,
            an id is no integer, or the ids are not exactly 0..N-1.
    """
    if not os.path.isfile(path):
        raise DataError(f'EPIC class file {path} does not exist')
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    # EPIC-55: verb_id / noun_id and class_key
    id_col = next((c for c in ('id', 'verb_id', 'noun_id') if c in header),
                  'id')
    key_col = 'key' if 'key' in header or 'class_key' not in header \
        else 'class_key'
    missing = [c for c in (id_col, key_col) if c not in header]
    if missing:
        raise DataError(f'{path}: missing columns {missing} (header: '
                        f'{header})')
    if not rows:
        raise DataError(f'{path}: no class rows')
    names: Dict[int, str] = {}
    for index, row in enumerate(rows):
        class_id = _int_field(row[id_col], path, f'{index + 1}', id_col, 0)
        key = (row[key_col] or '').strip()
        if not key:
            raise DataError(f'{path}: row {class_id}: column "{key_col}" is '
                            'empty')
        if class_id in names:
            raise DataError(f'{path}: row {class_id}: duplicate id')
        names[class_id] = key
    expected = set(range(len(names)))
    if set(names) != expected:
        gaps = sorted(expected - set(names))[:5]
        raise DataError(f'{path}: ids must be 0..{len(names) - 1}; missing '
                        f'{gaps}')
    return [names[i] for i in range(len(names))]


def parse_list_field(value: str) -> list:
    """Parse an ``all_nouns`` / ``all_noun_classes`` cell (a Python list
    literal such as ``"['tap', 'water']"``); ``[]`` when empty."""
    if not value or not str(value).strip():
        return []
    parsed = ast.literal_eval(str(value))
    return list(parsed) if isinstance(parsed, (list, tuple)) else [parsed]


def epic_key_to_text(key: str) -> str:
    """Readable text of an EPIC class key, for text encoders.

    Keys are ``noun:modifier`` (``'board:chopping'`` -> ``'chopping
    board'``, ``'top:counter'`` -> ``'counter top'``) and hyphenated verbs
    (``'turn-on'`` -> ``'turn on'``); underscores become spaces.
    """
    parts = [p.strip() for p in str(key).split(':') if p.strip()]
    text = ' '.join(reversed(parts)) if parts else str(key)
    return ' '.join(text.replace('-', ' ').replace('_', ' ').split())
