"""Action sequences of egocentric videos, and next-action examples on them.

A video is an ordered list of ``(verb, noun)`` segments. An anticipation
example is a target segment with the ``hist_len`` labelled actions that come
before it in its video; a language-model teacher reads their text form
("take cup, open tap, wash cup") and predicts the target's action.

Action classes are the ``(verb, noun)`` pairs seen in training, saved as in
EPIC-KITCHENS-100's ``actions.csv`` (``id,verb,noun,action``).
"""
import csv
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from vlalign.datasets.epic_kitchens import EpicSegment
from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import DataError

#: Header of an action map file (EPIC-KITCHENS-100 ``actions.csv``).
ACTION_COLUMNS: Tuple[str, ...] = ('id', 'verb', 'noun', 'action')


def readable_name(key: str) -> str:
    """Text of an EPIC class key: ``'pan:dust'`` -> ``'dust pan'``,
    ``'put-down'`` -> ``'put down'`` (EPIC keys put the head noun first)."""
    parts = [p for p in str(key).replace('_', ' ').replace('-', ' ').split(':')
             if p.strip()]
    return ' '.join(p.strip() for p in reversed(parts))


class ActionVocab:
    """Action classes: ``(verb_class, noun_class)`` pairs with ids.

    Args:
        pairs (Sequence[tuple[int, int]]): Pair of action id ``i`` at
            index ``i``.
        names (Sequence[str], optional): Action names. Defaults to
            ``'<verb>_<noun>'`` indices.
    """

    def __init__(self, pairs: Sequence[Tuple[int, int]],
                 names: Optional[Sequence[str]] = None) -> None:
        self.pairs: List[Tuple[int, int]] = [(int(v), int(n)) for v, n in pairs]
        if len(set(self.pairs)) != len(self.pairs):
            raise DataError('ActionVocab: repeated (verb, noun) pair')
        self.names: List[str] = (list(names) if names is not None else
                                 [f'{v}_{n}' for v, n in self.pairs])
        self._ids: Dict[Tuple[int, int], int] = {
            p: i for i, p in enumerate(self.pairs)}

    def __len__(self) -> int:
        return len(self.pairs)

    def index(self, verb: int, noun: int) -> int:
        """Action id of ``(verb, noun)``, ``-1`` if it is no class."""
        return self._ids.get((int(verb), int(noun)), -1)

    @classmethod
    def from_segments(cls, segments: Iterable[EpicSegment],
                      verb_names: Optional[Sequence[str]] = None,
                      noun_names: Optional[Sequence[str]] = None
                      ) -> 'ActionVocab':
        """The labelled pairs of ``segments``, sorted by (verb, noun)."""
        pairs = sorted({(s.verb_class, s.noun_class) for s in segments
                        if s.labelled})
        names = None
        if verb_names is not None and noun_names is not None:
            names = [f'{verb_names[v]} {noun_names[n]}' for v, n in pairs]
        return cls(pairs, names)

    def save(self, path: str) -> str:
        """Write ``id,verb,noun,action`` rows atomically; returns ``path``."""
        with atomic_open(path, 'w', newline='', encoding='utf-8') as f:
            writer = csv.writer(f, lineterminator='\n')
            writer.writerow(ACTION_COLUMNS)
            for i, ((v, n), name) in enumerate(zip(self.pairs, self.names)):
                writer.writerow([i, v, n, name])
        return path

    @classmethod
    def load(cls, path: str) -> 'ActionVocab':
        """Read an ``actions.csv`` (``id,verb,noun[,action]``).

        Raises:
            DataError: Naming the file, row and column at fault.
        """
        if not os.path.isfile(path):
            raise DataError(f'action map {path} does not exist')
        with open(path, newline='', encoding='utf-8') as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        missing = [c for c in ('id', 'verb', 'noun') if c not in header]
        if missing:
            raise DataError(f'{path}: missing columns {missing} (header: '
                            f'{header})')
        if not rows:
            raise DataError(f'{path}: no action rows')
        by_id: Dict[int, Tuple[Tuple[int, int], str]] = {}
        for line, row in enumerate(rows, start=2):
            values = []
            for col in ('id', 'verb', 'noun'):
                try:
                    values.append(int(str(row[col]).strip()))
                except (TypeError, ValueError):
                    raise DataError(f'{path}: line {line}: column "{col}" '
                                    f'must be an integer, got {row[col]!r}'
                                    ) from None
            i, v, n = values
            if i in by_id:
                raise DataError(f'{path}: line {line}: duplicate id {i}')
            by_id[i] = ((v, n), (row.get('action') or f'{v}_{n}').strip())
        if set(by_id) != set(range(len(by_id))):
            raise DataError(f'{path}: ids must be 0..{len(by_id) - 1}')
        try:
            return cls([by_id[i][0] for i in range(len(by_id))],
                       [by_id[i][1] for i in range(len(by_id))])
        except DataError as e:
            raise DataError(f'{path}: {e}') from None


def video_sequences(segments: Iterable[EpicSegment]
                    ) -> Dict[str, List[EpicSegment]]:
    """Segments grouped per video, ordered by start (then stop) frame and
    ``narration_id``; a ``narration_id`` given twice is kept once."""
    seen = set()
    videos: Dict[str, List[EpicSegment]] = defaultdict(list)
    for s in segments:
        if s.narration_id in seen:
            continue
        seen.add(s.narration_id)
        videos[s.video_id].append(s)
    for segs in videos.values():
        segs.sort(key=lambda s: (s.start_frame, s.stop_frame, s.narration_id))
    return dict(videos)


@dataclass(frozen=True)
class HistoryExample:
    """A next-action example.

    Attributes:
        target (EpicSegment): The segment to anticipate; ``uid`` is its
            ``narration_id``.
        history (tuple[EpicSegment, ...]): Up to ``hist_len`` earlier
            labelled segments of the same video, oldest first.
    """
    target: EpicSegment
    history: Tuple[EpicSegment, ...]

    @property
    def uid(self) -> str:
        return self.target.narration_id


def build_history_examples(targets: Sequence[EpicSegment],
                           context: Sequence[EpicSegment] = (),
                           hist_len: int = 5,
                           gappy: bool = False,
                           min_hist_len: int = 1) -> List[HistoryExample]:
    """One example per target segment with enough history.

    The sequences of a video are built from ``targets`` and ``context``
    together (``context`` holds the other splits' segments of the same
    videos, as in EGTEA Gaze+ whose splits cut through videos; EPIC-100's
    splits are whole videos, so there it changes nothing).

    Args:
        targets (Sequence[EpicSegment]): Segments to anticipate (one split).
        context (Sequence[EpicSegment]): Other segments of the same videos.
            Defaults to ``()``.
        hist_len (int): Actions of history at most. Defaults to ``5``.
        gappy (bool): Skip context segments in the history, so the history
            holds only the split's own actions and has gaps where the other
            split's segments were (no label of another split is read).
            Otherwise the history is the ``hist_len`` labelled segments just
            before the target, whatever their split. Defaults to ``False``.
        min_hist_len (int): Targets with fewer earlier actions are left out
            (``0`` keeps all, with an empty history). Defaults to ``1``.

    Returns:
        list[HistoryExample]: In video order, videos sorted by id.
    """
    if hist_len < 1:
        raise ValueError(f'hist_len must be >= 1, got {hist_len}')
    if min_hist_len > hist_len:
        raise ValueError(f'min_hist_len ({min_hist_len}) > hist_len '
                         f'({hist_len})')
    target_ids = {s.narration_id for s in targets}
    videos = video_sequences(list(targets) + list(context))
    examples = []
    for video_id in sorted(videos):
        past: List[EpicSegment] = []
        for seg in videos[video_id]:
            if seg.narration_id in target_ids:
                history = tuple(past[-hist_len:])
                if len(history) >= min_hist_len:
                    examples.append(HistoryExample(seg, history))
            if seg.labelled and (not gappy or seg.narration_id in target_ids):
                past.append(seg)
    return examples


def history_text(history: Sequence[EpicSegment],
                 verb_names: Optional[Sequence[str]] = None,
                 noun_names: Optional[Sequence[str]] = None,
                 sep: str = ', ') -> str:
    """Text form of a history, e.g. ``'take cup, open tap, wash cup'``.

    Class names come from ``verb_names``/``noun_names`` (indexed by class)
    when given, else from the segments' ``verb``/``noun`` keys.
    """
    words = []
    for s in history:
        verb = verb_names[s.verb_class] if verb_names is not None else s.verb
        noun = noun_names[s.noun_class] if noun_names is not None else s.noun
        words.append(f'{readable_name(verb)} {readable_name(noun)}'.strip())
    return sep.join(words)
