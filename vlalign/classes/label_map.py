"""Class-name lists: one name per line, line index = label."""
import os
from typing import List, Optional, Sequence, Union

from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import DataError


def load_class_names(path: str) -> List[str]:
    """Read a label file (one class name per line; ``#`` lines ignored).

    Lines may also be ``<index><TAB><name>`` (as in many released label
    maps) when every line is and the indices count 0, 1, 2, ... in order.

    Raises:
        DataError: If the file is missing, or a name is empty or repeated;
            the message names the file and line.
    """
    if not os.path.isfile(path):
        raise DataError(f'label file {path} does not exist')
    names: List[str] = []
    seen = {}
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    # Trailing blank lines are allowed; blank lines inside the list are not.
    while lines and not lines[-1].strip():
        lines.pop()
    for lineno, line in enumerate(lines, start=1):
        if line.lstrip().startswith('#'):
            continue
        name = line.strip()
        if not name:
            raise DataError(f'{path}:{lineno}: empty class name')
        if name in seen:
            raise DataError(f'{path}:{lineno}: duplicate class name "{name}" '
                            f'(first on line {seen[name]})')
        seen[name] = lineno
        names.append(name)
    if not names:
        raise DataError(f'label file {path} holds no class names')
    return _strip_index_column(names, path)


def _strip_index_column(names: List[str], path: str) -> List[str]:
    """Names without a leading ``<index><TAB>`` column, if every line has
    one; indices must then be 0, 1, 2, ..."""
    parts = [n.split('\t', 1) for n in names]
    if not all(len(p) == 2 and p[0].strip().isdigit() for p in parts):
        return names
    for i, (index, _) in enumerate(parts):
        if int(index) != i:
            raise DataError(f'{path}: line {i + 1} has index {index}, '
                            f'expected {i} (indices must count from 0)')
    stripped = [name.strip() for _, name in parts]
    if len(set(stripped)) != len(stripped) or not all(stripped):
        raise DataError(f'{path}: empty or duplicate class names after the '
                        'index column')
    return stripped


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
