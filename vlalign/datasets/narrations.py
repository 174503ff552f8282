"""Ego4D-style narrations: reading, tag rewriting, and one embedding store.

An Ego4D narration file maps each video uid to its narration passes::

    {"<video_uid>": {"narration_pass_1": {"narrations": [
        {"timestamp_sec": 3.2, "narration_text": "#C C opens the fridge"},
        ...]},
     "narration_pass_2": {...}}, ...}

The embeddings of all narrations live in ONE array file ``<prefix>.npy``
(``[N, C]``, memory-mappable) with their metadata (video uid, time, text,
pass) in ``<prefix>.json``, row ``i`` of one describing row ``i`` of the
other: the original notebook wrote one ``.pt`` file per narration, which made
reading, not training, the bottleneck.
"""
import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np

from vlalign.utils.errors import DataError

NARRATION_PASSES = ('narration_pass_1', 'narration_pass_2')

# Tagged tokens of Ego4D narrations and what the text encoder reads instead.
TAG_REWRITES = (
    (re.compile(r'#C\b'), 'Camera wearer'),
    (re.compile(r'#O\b'), 'Other person'),
    (re.compile(r'#unsure\b', re.IGNORECASE), 'something'),
)


def rewrite_tags(text: str) -> str:
    """Rewrite Ego4D's tagged tokens into plain words.

    ``#C`` -> ``Camera wearer``, ``#O`` -> ``Other person``, ``#unsure``
    -> ``something`` (as the original notebook; the single-letter subject
    that follows, as in ``#C C opens``, is kept), then spaces are collapsed.

    Args:
        text (str): A narration, e.g. ``'#C C picks #unsure'``.

    Returns:
        str: E.g. ``'Camera wearer C picks something'``.
    """
    for pattern, words in TAG_REWRITES:
        text = pattern.sub(words, text)
    return ' '.join(text.split())


def read_narrations(path: str,
                    passes: Sequence[str] = NARRATION_PASSES,
                    video_uids: Optional[Iterable[str]] = None,
                    rewrite: bool = True) -> List[Dict[str, Any]]:
    """Read an Ego4D-style narration JSON into a flat list.

    Args:
        path (str): The JSON file.
        passes (Sequence[str]): Passes to read; a video needs at least one
            of them. Defaults to both.
        video_uids (Iterable[str], optional): Keep only these videos.
            Defaults to ``None`` (all).
        rewrite (bool): Apply :func:`rewrite_tags`. Defaults to ``True``.

    Returns:
        list[dict]: ``video_uid``, ``timestamp_sec`` (float), ``text``,
        ``pass``, in file order.

    Raises:
        DataError: If the file is missing or not JSON, is not a mapping of
            video uids, a video has none of ``passes``, or a narration
            lacks ``timestamp_sec`` / ``narration_text`` (the message names
            the file, the video uid and the field).
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise DataError(f'{path}: cannot read narration file ({e})') from e
    except ValueError as e:
        raise DataError(f'{path}: not a JSON file ({e})') from e
    if not isinstance(data, dict):
        raise DataError(f'{path}: expected a JSON object mapping video uids '
                        f'to narration passes, got {type(data).__name__}')
    wanted = None if video_uids is None else set(video_uids)
    items: List[Dict[str, Any]] = []
    for uid, video in data.items():
        if wanted is not None and uid not in wanted:
            continue
        if not isinstance(video, dict) or not any(p in video for p in passes):
            raise DataError(f'{path}: video "{uid}" has no field '
                            f'{" or ".join(map(repr, passes))}')
        for pass_name in passes:
            if pass_name not in video:
                continue
            block = video[pass_name]
            if not isinstance(block, dict) or 'narrations' not in block:
                raise DataError(f'{path}: video "{uid}" {pass_name} has no '
                                'field "narrations"')
            for i, nar in enumerate(block['narrations']):
                for field in ('timestamp_sec', 'narration_text'):
                    if not isinstance(nar, dict) or field not in nar:
                        raise DataError(
                            f'{path}: video "{uid}" {pass_name} narration '
                            f'{i} has no field "{field}"')
                try:
                    t = float(nar['timestamp_sec'])
                except (TypeError, ValueError) as e:
                    raise DataError(
                        f'{path}: video "{uid}" {pass_name} narration {i}: '
                        f'field "timestamp_sec" is not a number '
                        f'({nar["timestamp_sec"]!r})') from e
                text = str(nar['narration_text'])
                items.append(dict(video_uid=str(uid), timestamp_sec=t,
                                  text=rewrite_tags(text) if rewrite else text,
                                  **{'pass': pass_name}))
    return items


def embedding_paths(prefix: str) -> Dict[str, str]:
    """``{'array': prefix + '.npy', 'meta': prefix + '.json'}`` (a trailing
    ``.npy`` or ``.json`` on ``prefix`` is ignored)."""
    for ext in ('.npy', '.json'):
        if prefix.endswith(ext):
            prefix = prefix[:-len(ext)]
    return dict(array=prefix + '.npy', meta=prefix + '.json')


class TextEmbeddings:
    """Embeddings ``[N, C]`` and their metadata, as written by
    :func:`write_text_embeddings`.

    Args:
        prefix (str): ``<prefix>.npy`` / ``<prefix>.json`` (either full
            name works too).
        mmap (bool): Memory-map the array instead of reading it. Defaults
            to ``False`` (the array is read once, in full).

    Raises:
        DataError: If a file is missing or they disagree.
    """

    def __init__(self, prefix: str, mmap: bool = False) -> None:
        self.paths = embedding_paths(str(prefix))
        for what, path in self.paths.items():
            if not os.path.isfile(path):
                raise DataError(f'{path}: text embedding {what} file not '
                                'found')
        try:
            with open(self.paths['meta']) as f:
                doc = json.load(f)
            self.items: List[Dict[str, Any]] = list(doc['items'])
            self.info: Dict[str, Any] = dict(doc.get('info', {}))
        except (ValueError, KeyError, TypeError) as e:
            raise DataError(f'{self.paths["meta"]}: malformed metadata, '
                            f'expected {{"info": ..., "items": [...]}} '
                            f'({type(e).__name__}: {e})') from e
        self.embeddings = np.load(self.paths['array'],
                                  mmap_mode='r' if mmap else None)
        if (self.embeddings.ndim != 2
                or self.embeddings.shape[0] != len(self.items)):
            raise DataError(
                f'{self.paths["array"]}: shape {self.embeddings.shape} does '
                f'not match the {len(self.items)} items of '
                f'{self.paths["meta"]}')

    @property
    def dim(self) -> int:
        """int: The embedding width ``C``."""
        return int(self.embeddings.shape[1])

    def __len__(self) -> int:
        return len(self.items)
