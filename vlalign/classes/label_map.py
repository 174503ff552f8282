"""Class-name lists: one name per line, line index = label."""
import os
import re
from typing import List, Optional, Sequence, Tuple, Union

from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import DataError

# ``<index><TAB><name>`` (released label maps) or ``<index> <name>``.
_INDEXED = {'tab': re.compile(r'^(\d+)\t(.*)$'),
            'space': re.compile(r'^(\d+) +(\S.*)$')}


def _read_lines(path: str) -> List[str]:
    """The file's lines as UTF-8 text; a byte-order mark is dropped.

    Raises:
        DataError: If the file is no UTF-8 text, naming the line and byte.
    """
    with open(path, 'rb') as f:
        data = f.read()
    try:
        # 'utf-8-sig': editors on Windows write a BOM that would otherwise
        # become part of the first class name.
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        lineno = data[:e.start].count(b'\n') + 1
        raise DataError(
            f'{path}:{lineno}: not UTF-8 text (byte 0x{data[e.start]:02x}); '
            'save the label file as UTF-8') from None
    return text.splitlines()


def load_class_names(path: str) -> List[str]:
    """Read a label file (one class name per line; ``#`` lines ignored).

    Lines may also be ``<index><TAB><name>`` (as in many released label
    maps) or ``<index> <name>`` when every line is and the indices count
    0, 1, 2, ... in order. The file must be UTF-8 (a byte-order mark is
    dropped).

    Raises:
        DataError: If the file is missing or not UTF-8, a name is empty or
            repeated, or an index column does not count from 0; the message
            names the file and line.
    """
    if not os.path.isfile(path):
        raise DataError(f'label file {path} does not exist')
    lines = _read_lines(path)
    # Trailing blank lines are allowed; blank lines inside the list are not.
    while lines and not lines[-1].strip():
        lines.pop()
    entries: List[Tuple[int, str]] = []
    for lineno, line in enumerate(lines, start=1):
        if line.lstrip().startswith('#'):
            continue
        name = line.strip()
        if not name:
            raise DataError(f'{path}:{lineno}: empty class name')
        entries.append((lineno, name))
    if not entries:
        raise DataError(f'label file {path} holds no class names')
    entries = _strip_index_column(entries, path)
    seen = {}
    for lineno, name in entries:
        if name in seen:
            raise DataError(f'{path}:{lineno}: duplicate class name "{name}" '
                            f'(first on line {seen[name]})')
        seen[name] = lineno
    return [name for _, name in entries]


def _strip_index_column(entries: List[Tuple[int, str]],
                        path: str) -> List[Tuple[int, str]]:
    """``(line, name)`` pairs without a leading index column.

    A ``<index><TAB>`` column is stripped when every line has one, and its
    indices must then be 0, 1, 2, ... A ``<index> <space>`` column is
    stripped when every line has one counting 0, 1, 2, ...; counting from 1
    is an error (the label would be off by one), any other numbers are
    taken as part of the names (``3 point shot``).
    """
    for kind, pattern in _INDEXED.items():
        matches = [pattern.match(name) for _, name in entries]
        if not all(matches):
            continue
        indices = [int(m.group(1)) for m in matches]
        if indices == list(range(len(entries))):
            return [(lineno, m.group(2).strip())
                    for (lineno, _), m in zip(entries, matches)]
        if kind == 'space' and indices != list(range(1, len(entries) + 1)):
            return entries
        for (lineno, _), index, expected in zip(entries, indices,
                                                range(len(entries))):
            if index != expected:
                raise DataError(
                    f'{path}: line {lineno} has index {index}, expected '
                    f'{expected} (indices must count from 0: label = index)')
    return entries


def resolve_class_subset(subset: Union[str, Sequence[str]],
                         classes: Sequence[str], source: str = '') -> List[str]:
    """Class names of a subset given as a label file or a list of names.

    Raises:
        DataError: If a name is not among ``classes``.
    """
    names = load_class_names(subset) if isinstance(subset, str) else list(subset)
    where = subset if isinstance(subset, str) else 'class_subset'
    known = set(classes)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise DataError(f'{where}: class names {unknown} are not in the label '
                        f'file {source}')
    if len(set(names)) != len(names):
        raise DataError(f'{where}: duplicate class names')
    return names


def save_class_names(path: str, names: Sequence[str],
                     header: Optional[str] = None) -> str:
    """Write a label file atomically (temporary file, then ``os.replace``).

    Args:
        path (str): Output file; its folder is created.
        names (list[str]): One name a line.
        header (str, optional): A comment written as ``# header`` first.
            Defaults to ``None``.

    Returns:
        str: ``path``.
    """
    text = ''.join(f'# {h}\n' for h in (header.splitlines() if header else []))
    text += ''.join(f'{n}\n' for n in names)
    with atomic_open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path
