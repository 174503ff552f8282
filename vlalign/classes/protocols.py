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
any folder of this layout.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from vlalign.utils.errors import ConfigError, DataError
from .class_splits import ClassSplit
from .label_map import load_class_names

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
