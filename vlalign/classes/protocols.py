"""Zero-shot protocols as files: which classes are seen, unseen and
validation, on which dataset and data split, and where the lists come from.

A protocol is a folder::

    <name>/
      seen.txt        classes trained on (label files: one name a line)
      unseen.txt      classes named only in text at test time
      val.txt         optional: a subset of seen, held out of a calibration
                      training to choose the GZSL calibration constant
      protocol.json   optional metadata: {"dataset", "labels" (a label file
                      name under vlalign/classes/data/labels/, or a path
                      relative to the folder), "train_split", "test_split",
                      "paper", "source", "license", "note"}

The published splits ship in ``vlalign/classes/data/protocols/``
(:func:`list_protocols`); :func:`load_protocol` takes one of their names or
any folder of this layout, and :func:`write_protocol` writes one (e.g. a
seeded random split, :func:`random_protocol`).

GZSL calibration classes: :meth:`ZeroShotProtocol.calibration_split` names
the seen classes a calibration training leaves out (``val.txt``, or a
seeded subset of the seen classes where the protocol publishes none), so
that the calibration constant is chosen without any unseen class.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError, DataError
from .class_splits import ClassSplit, random_class_split
from .label_map import load_class_names, save_class_names

DATA_ROOT = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
PROTOCOL_ROOT = osp.join(DATA_ROOT, 'protocols')
LABEL_ROOT = osp.join(DATA_ROOT, 'labels')

_META_KEYS = ('dataset', 'labels', 'train_split', 'test_split', 'paper',
              'source', 'license', 'note')


@dataclass(frozen=True)
class ZeroShotProtocol:
    """A zero-shot class protocol read from a folder.

    Attributes:
        name (str): The folder name.
        root (str): The folder.
        seen (tuple[str]): Classes trained on.
        unseen (tuple[str]): Classes named only in text at test time.
        val (tuple[str] | None): Validation classes, a subset of ``seen``,
            for choosing the GZSL calibration constant; None when the
            protocol publishes none.
        label_file (str | None): The dataset's label file (every class, in
            label order); ``seen + unseen`` hold exactly its names.
        meta (dict): The rest of ``protocol.json`` (``dataset``,
            ``train_split``, ``test_split``, ``paper``, ``source``,
            ``license``, ``note``).
    """

    name: str
    root: str
    seen: Tuple[str, ...]
    unseen: Tuple[str, ...]
    val: Optional[Tuple[str, ...]] = None
    label_file: Optional[str] = None
    meta: Dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def split(self) -> ClassSplit:
        """The seen / unseen :class:`ClassSplit`."""
        return ClassSplit(self.seen, self.unseen, source=self.root)

    @property
    def classes(self) -> Tuple[str, ...]:
        """Seen then unseen names."""
        return self.seen + self.unseen

    @property
    def dataset(self) -> Optional[str]:
        return self.meta.get('dataset')

    @property
    def train_split(self) -> Optional[str]:
        """The data split (of the PoseDataset pickle) to train on."""
        return self.meta.get('train_split')

    @property
    def test_split(self) -> Optional[str]:
        """The data split (of the PoseDataset pickle) to test on."""
        return self.meta.get('test_split')

    @property
    def citation(self) -> str:
        """Where the class lists come from, for tables and logs."""
        return '; '.join(self.meta[k] for k in ('paper', 'source')
                         if self.meta.get(k)) or self.root

    def default_num_heldout(self) -> int:
        """Seen classes a calibration training holds out when the protocol
        has no ``val.txt``: the protocol's own unseen fraction of the seen
        classes, ``round(S * U / (S + U))``, at least 1 and leaving at least
        1 class to train on.

        The calibration set (trained seen classes + held-out ones posing as
        unseen) then has about the test's ratio of seen to unseen classes,
        so the constant chosen on it suits the test. It matches the
        published validation lists where they exist: NTU-60 55/5 gives 5
        (MSF-GZSSAR's val has 5), NTU-120 110/10 gives 9 (val 10).
        """
        s, u = len(self.seen), len(self.unseen)
        return int(min(max(1, round(s * u / (s + u))), s - 1))

    def calibration_split(self, seed: int,
                          num_heldout: Optional[int] = None) -> ClassSplit:
        """The classes of a calibration training: ``seen`` = classes it
        trains on, ``unseen`` = seen classes it holds out (they pose as
        unseen when the calibration constant is chosen).

        The protocol's ``val.txt`` when it has one; otherwise a seeded draw
        of ``num_heldout`` seen classes
        (:func:`~vlalign.classes.class_splits.random_class_split`). No
        unseen class of the protocol is in either list.

        Args:
            seed (int): Seed of the draw (unused with ``val.txt``).
            num_heldout (int, optional): Seen classes to hold out, only for
                protocols without ``val.txt``. Defaults to
                :meth:`default_num_heldout`.

        Returns:
            ClassSplit: In the order of ``seen``.

        Raises:
            ConfigError: If ``num_heldout`` is given for a protocol with
                ``val.txt`` or is out of range (the message names the
                ``--num-heldout`` option).
        """
        if self.val is not None:
            if num_heldout is not None:
                raise ConfigError(
                    f'protocol {self.name} publishes its validation classes '
                    f'({osp.join(self.root, "val.txt")}, {len(self.val)} '
                    'classes): --num-heldout applies only to protocols '
                    'without val.txt')
            val = set(self.val)
            return ClassSplit(tuple(n for n in self.seen if n not in val),
                              tuple(n for n in self.seen if n in val),
                              source=osp.join(self.root, 'val.txt'))
        if num_heldout is None:
            num_heldout = self.default_num_heldout()
        if not 1 <= num_heldout < len(self.seen):
            raise ConfigError(
                f'--num-heldout must be in [1, {len(self.seen) - 1}] for the '
                f'{len(self.seen)} seen classes of protocol {self.name} (at '
                f'least one seen class is trained on), got {num_heldout}')
        split = random_class_split(list(self.seen), num_heldout, seed)
        return ClassSplit(split.seen, split.unseen,
                          source=f'{num_heldout} seen classes of {self.name} '
                          f'held out (seed {seed})')

    def check_label_file(self, class_file: str) -> None:
        """Check that the protocol's classes are exactly those of a label
        file (e.g. a dataset config's ``class_file``).

        Raises:
            DataError: Naming the protocol, the file and the names that
                differ.
        """
        names = load_class_names(class_file)
        extra = sorted(set(self.classes) - set(names))
        missing = sorted(set(names) - set(self.classes))
        if extra or missing:
            raise DataError(
                f'protocol {self.name} ({self.root}) does not match the '
                f'label file {class_file}: classes not in the file {extra}, '
                f'classes of the file in neither seen nor unseen {missing}')


def list_protocols() -> List[str]:
    """Names of the protocols shipped with vlalign, sorted."""
    return sorted(d for d in os.listdir(PROTOCOL_ROOT)
                  if osp.isfile(osp.join(PROTOCOL_ROOT, d, 'seen.txt')))


def _resolve_root(name_or_dir: str) -> str:
    if osp.isdir(name_or_dir):
        return osp.abspath(name_or_dir)
    shipped = osp.join(PROTOCOL_ROOT, name_or_dir)
    if osp.sep not in name_or_dir and osp.isdir(shipped):
        return shipped
    raise ConfigError(f'unknown zero-shot protocol "{name_or_dir}": not a '
                      f'folder, nor one of the shipped {list_protocols()}')


def _read_meta(root: str) -> Dict[str, str]:
    path = osp.join(root, 'protocol.json')
    if not osp.isfile(path):
        return {}
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f'{path}: not readable JSON: {e}') from e
    if not isinstance(meta, dict):
        raise DataError(f'{path}: expected a JSON object')
    unknown = sorted(set(meta) - set(_META_KEYS))
    if unknown:
        raise DataError(f'{path}: unknown keys {unknown}; known: '
                        f'{list(_META_KEYS)}')
    bad = [k for k, v in meta.items() if not isinstance(v, str)]
    if bad:
        raise DataError(f'{path}: keys {bad} must hold strings')
    return meta


def _label_file(root: str, labels: Optional[str]) -> Optional[str]:
    if not labels:
        return None
    for path in (osp.join(root, labels), osp.join(LABEL_ROOT, labels),
                 osp.join(LABEL_ROOT, labels + '.txt')):
        if osp.isfile(path):
            return path
    raise DataError(f'{osp.join(root, "protocol.json")}: label file '
                    f'"{labels}" is neither a file in the protocol folder '
                    f'nor one of {sorted(os.listdir(LABEL_ROOT))}')


def _subset_problems(inner: Sequence[str], outer: Sequence[str]) -> List[str]:
    return [n for n in inner if n not in set(outer)]


def load_protocol(name_or_dir: str) -> ZeroShotProtocol:
    """Read a zero-shot protocol: a shipped name or a folder.

    Args:
        name_or_dir (str): One of :func:`list_protocols` or a folder holding
            ``seen.txt`` and ``unseen.txt`` (optionally ``val.txt`` and
            ``protocol.json``).

    Returns:
        ZeroShotProtocol: The protocol, checked: seen and unseen disjoint,
        val within seen (and leaving some seen class to train on), and with
        a label file, seen + unseen equal to its classes.

    Raises:
        ConfigError: If the name is unknown.
        DataError: If a file is missing or malformed, or the lists disagree
            (the message names the file).
    """
    root = _resolve_root(name_or_dir)
    files = {k: osp.join(root, f'{k}.txt') for k in ('seen', 'unseen', 'val')}
    for k in ('seen', 'unseen'):
        if not osp.isfile(files[k]):
            raise DataError(f'zero-shot protocol {root} has no {k}.txt')
    seen = tuple(load_class_names(files['seen']))
    unseen = tuple(load_class_names(files['unseen']))
    ClassSplit(seen, unseen, source=root)  # disjoint, no repeats
    val = None
    if osp.isfile(files['val']):
        val = tuple(load_class_names(files['val']))
        outside = _subset_problems(val, seen)
        if outside:
            raise DataError(f'{files["val"]}: validation classes {outside} '
                            f'are not seen classes of {files["seen"]}')
        if len(val) >= len(seen):
            raise DataError(f'{files["val"]}: holds every seen class; '
                            'a calibration training needs some left')
    meta = _read_meta(root)
    protocol = ZeroShotProtocol(
        name=osp.basename(root.rstrip(osp.sep)), root=root, seen=seen,
        unseen=unseen, val=val,
        label_file=_label_file(root, meta.get('labels')), meta=meta)
    if protocol.label_file is not None:
        protocol.check_label_file(protocol.label_file)
    return protocol


def write_protocol(out_dir: str, seen: Sequence[str], unseen: Sequence[str],
                   labels: Sequence[str], val: Optional[Sequence[str]] = None,
                   meta: Optional[Dict[str, str]] = None) -> ZeroShotProtocol:
    """Write a protocol folder (atomically, file by file) and read it back.

    The label file is written into the folder as ``labels.txt``.

    Args:
        out_dir (str): The folder (created).
        seen (list[str]): Seen classes.
        unseen (list[str]): Unseen classes.
        labels (list[str]): Every class, in label order.
        val (list[str], optional): Validation classes (a subset of seen).
        meta (dict, optional): ``protocol.json`` keys (see the module
            docstring); ``labels`` is set here.

    Returns:
        ZeroShotProtocol: As :func:`load_protocol` reads the folder.
    """
    os.makedirs(out_dir, exist_ok=True)
    save_class_names(osp.join(out_dir, 'labels.txt'), labels)
    save_class_names(osp.join(out_dir, 'seen.txt'), seen)
    save_class_names(osp.join(out_dir, 'unseen.txt'), unseen)
    val_file = osp.join(out_dir, 'val.txt')
    if val is not None:
        save_class_names(val_file, val)
    elif osp.exists(val_file):
        os.remove(val_file)
    meta = dict(meta or {}, labels='labels.txt')
    with atomic_open(osp.join(out_dir, 'protocol.json'), 'w') as f:
        json.dump(meta, f, indent=2, sort_keys=True)
    return load_protocol(out_dir)


def random_protocol(out_dir: Optional[str], class_file: str, num_unseen: int,
                    seed: int, train_split: Optional[str] = None,
                    test_split: Optional[str] = None) -> ZeroShotProtocol:
    """A seeded random protocol of a label file, written to ``out_dir``.

    The unseen classes are :func:`random_class_split` of ``class_file``
    (a function of the label list, ``num_unseen`` and ``seed`` alone); the
    protocol has no ``val.txt``, so a calibration training holds out a
    seeded subset of the seen classes (:meth:`calibration_split`).

    Args:
        out_dir (str | None): Folder to write; ``None`` keeps the protocol
            in memory (``root`` then describes the draw).
        class_file (str): Label file of every class.
        num_unseen (int): Unseen classes.
        seed (int): Seed of the draw.
        train_split (str, optional): Data split to train on.
        test_split (str, optional): Data split to test on.

    Raises:
        ConfigError: If ``num_unseen`` is out of range; the message names
            the ``--num-unseen`` option and the label file. Nothing is
            written then.
    """
    labels = load_class_names(class_file)
    # Two seen classes at least: one held out for calibration, one trained.
    if not 1 <= num_unseen <= len(labels) - 2:
        raise ConfigError(
            f'--num-unseen must be in [1, {len(labels) - 2}] for the '
            f'{len(labels)} classes of {class_file} (at least 2 seen '
            'classes: one to train on, one to hold out for calibration), '
            f'got {num_unseen}')
    split = random_class_split(labels, num_unseen, seed)
    meta = dict(paper=f'random split: {num_unseen} unseen classes of '
                f'{class_file}, numpy default_rng(seed={seed})',
                note='written by vlalign.classes.protocols.random_protocol')
    if train_split:
        meta['train_split'] = train_split
    if test_split:
        meta['test_split'] = test_split
    if out_dir is None:
        return ZeroShotProtocol(
            name=f'random-{num_unseen}-seed{seed}',
            root=f'random split (seed {seed}) of {class_file}',
            seen=split.seen, unseen=split.unseen, label_file=class_file,
            meta=meta)
    return write_protocol(out_dir, split.seen, split.unseen, labels, meta=meta)
