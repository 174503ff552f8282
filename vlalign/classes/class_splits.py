"""Zero-shot class splits: which classes are seen in training, which unseen.

A split is two lists of class names of one label file (one name a line,
line index = label, see :func:`load_class_names`). Split files are label
files too, so a split written here is also a ``class_subset`` of
:class:`PoseTextDataset`.

The published splits ship as protocols (``vlalign/classes/data/protocols/``,
read by :mod:`vlalign.classes.protocols`): each protocol's ``seen.txt`` and
``unseen.txt`` are such split files.
"""
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from vlalign.utils.errors import ConfigError, DataError
from .label_map import load_class_names, save_class_names

ClassList = Union[str, Sequence[str]]


@dataclass(frozen=True)
class ClassSplit:
    """Seen and unseen class names of a zero-shot protocol.

    Args:
        seen (tuple[str]): Classes trained on.
        unseen (tuple[str]): Classes named only in text at test time.
        source (str): Where the split comes from (a file), named in errors;
            not compared. Defaults to ``''``.

    Raises:
        DataError: If a list is empty, repeats a name, or the two share a
            name.
    """

    seen: Tuple[str, ...]
    unseen: Tuple[str, ...]
    # Provenance only: two splits with the same classes are equal.
    source: str = field(default='', compare=False)

    def __post_init__(self) -> None:
        # Frozen dataclass: normalise lists to tuples through object.__setattr__.
        object.__setattr__(self, 'seen', tuple(self.seen))
        object.__setattr__(self, 'unseen', tuple(self.unseen))
        where = f'{self.source}: ' if self.source else ''
        for kind, names in (('seen', self.seen), ('unseen', self.unseen)):
            if not names:
                raise DataError(f'{where}the class split has no {kind} classes')
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise DataError(f'{where}{kind} classes repeat {dup}')
        both = [n for n in self.unseen if n in set(self.seen)]
        if both:
            raise DataError(f'{where}classes {both} are both seen and unseen')

    @property
    def classes(self) -> Tuple[str, ...]:
        """Seen then unseen names."""
        return self.seen + self.unseen

    def check_classes(self, classes: Sequence[str], source: str = '') -> None:
        """Check that every name of the split is in ``classes``.

        Raises:
            DataError: Naming the split's source and the label file
                ``source``.
        """
        known = set(classes)
        unknown = [n for n in self.classes if n not in known]
        if unknown:
            where = self.source or 'class split'
            raise DataError(f'{where}: class names {unknown} are not in the '
                            f'label file {source}'.rstrip())

    def seen_mask(self, classes: Sequence[str]) -> np.ndarray:
        """Boolean mask ``[L]`` over ``classes``: ``True`` for seen classes."""
        self.check_classes(classes)
        seen = set(self.seen)
        return np.array([n in seen for n in classes], dtype=bool)


def _names(names: ClassList) -> List[str]:
    return load_class_names(names) if isinstance(names, str) else list(names)


def _check_known(names: Sequence[str], classes: Sequence[str], where: str,
                 class_file: str) -> None:
    known = set(classes)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise DataError(f'{where}: class names {unknown} are not in the label '
                        f'file {class_file}')


def load_class_split(class_file: str,
                     unseen_file: Optional[ClassList] = None,
                     seen_file: Optional[ClassList] = None) -> ClassSplit:
    """Read a class split from label files.

    Give the unseen list, the seen list or both; a list not given is the
    complement of the other, in label-file order. A list given keeps the
    order of its file.

    Args:
        class_file (str): Label file of all classes.
        unseen_file (str | list[str], optional): Label file (or names) of
            the unseen classes. Defaults to ``None``.
        seen_file (str | list[str], optional): Label file (or names) of the
            seen classes. Defaults to ``None``.

    Returns:
        ClassSplit: With ``source`` naming the split file(s).

    Raises:
        ConfigError: If neither list is given.
        DataError: If a file is malformed, a name is not in ``class_file``
            (the message names both files), or the lists overlap.
    """
    if unseen_file is None and seen_file is None:
        raise ConfigError('load_class_split needs unseen_file or seen_file')
    classes = load_class_names(class_file)
    unseen = seen = None
    sources = []
    if unseen_file is not None:
        unseen = _names(unseen_file)
        where = unseen_file if isinstance(unseen_file, str) else 'unseen classes'
        _check_known(unseen, classes, where, class_file)
        sources.append(where)
    if seen_file is not None:
        seen = _names(seen_file)
        where = seen_file if isinstance(seen_file, str) else 'seen classes'
        _check_known(seen, classes, where, class_file)
        sources.append(where)
    if seen is None:
        seen = [n for n in classes if n not in set(unseen)]
    if unseen is None:
        unseen = [n for n in classes if n not in set(seen)]
    return ClassSplit(tuple(seen), tuple(unseen), source=' + '.join(sources))


def random_class_split(classes: ClassList, num_unseen: int,
                       seed: int) -> ClassSplit:
    """Draw ``num_unseen`` unseen classes at random, the rest are seen.

    Uses ``numpy.random.default_rng(seed)`` (PCG64), whose stream does not
    depend on the machine; both lists are in label-file order, so a split
    is a function of (label list, ``num_unseen``, ``seed``) alone.

    Args:
        classes (str | list[str]): Label file or class names.
        num_unseen (int): Number of unseen classes, ``1 <= n < L``.
        seed (int): Seed of the draw.

    Returns:
        ClassSplit: The split.

    Raises:
        ConfigError: If ``num_unseen`` leaves no seen or no unseen class.
    """
    names = _names(classes)
    source = classes if isinstance(classes, str) else ''
    if not 1 <= num_unseen < len(names):
        of = f' of {source}' if source else ''
        raise ConfigError(f'num_unseen must be in [1, {len(names) - 1}] for '
                          f'the {len(names)} classes{of}, got {num_unseen}')
    rng = np.random.default_rng(seed)
    picked = set(rng.choice(len(names), size=num_unseen, replace=False).tolist())
    unseen = tuple(n for i, n in enumerate(names) if i in picked)
    seen = tuple(n for i, n in enumerate(names) if i not in picked)
    return ClassSplit(seen, unseen,
                      source=f'random split (seed {seed}) of {source or "classes"}')


def heldout_calibration_split(seen: Sequence[str], num_heldout: int,
                              seed: int) -> Tuple[Tuple[str, ...],
                                                  Tuple[str, ...]]:
    """Hold out some seen classes to calibrate GZSL without unseen classes.

    The held-out seen classes play the unseen ones: train on ``train_seen``,
    then choose the calibration constant (see
    :func:`vlalign.evaluation.select_stacking_gamma`) on samples of
    ``train_seen + heldout_seen`` with the held-out ones marked unseen. The
    real unseen classes are never looked at.

    Args:
        seen (list[str]): Seen class names.
        num_heldout (int): Number held out, ``1 <= k < len(seen)``.
        seed (int): Seed of the draw (``numpy.random.default_rng``).

    Returns:
        tuple: ``(train_seen, heldout_seen)``, each in the order of ``seen``.

    Raises:
        ConfigError: If ``num_heldout`` leaves no seen class to train on.
    """
    if not 1 <= num_heldout < len(seen):
        raise ConfigError(f'num_heldout must be in [1, {len(seen) - 1}] for '
                          f'the {len(seen)} seen classes, got {num_heldout}')
    split = random_class_split(list(seen), num_heldout, seed)
    return split.seen, split.unseen


def save_class_split(split: ClassSplit, out_dir: str,
                     prefix: str = '') -> Dict[str, str]:
    """Write ``{prefix}seen.txt`` and ``{prefix}unseen.txt`` atomically.

    Returns:
        dict: ``{'seen': path, 'unseen': path}``.
    """
    return dict(
        seen=save_class_names(os.path.join(out_dir, f'{prefix}seen.txt'),
                              split.seen),
        unseen=save_class_names(os.path.join(out_dir, f'{prefix}unseen.txt'),
                                split.unseen))
