"""Stage-1 skeleton features in the layout the two-stage zero-shot papers ship.

SynSE (Gupta et al., ICIP 2021, skelemoa/synse-zsl) and the methods built on
its code (SA-DVAE, Li et al. ECCV 2024, pha123661/SA-DVAE; SMIE's "sota"
track, YujieOuO/SMIE) read one folder per protocol::

    train.npy        [N_train, C] features of the training samples of the
                     SEEN classes (a supervised encoder trained on them)
    train_label.npy  [N_train] labels, GLOBAL class indices (rows of the
                     dataset's label file; the text embeddings are indexed
                     by them directly)
    ztest.npy        [N_z, C] test samples of the UNSEEN classes (ZSL)
    z_label.npy      [N_z] their global labels
    gtest.npy        [N_g, C] test samples of ALL classes (GZSL)
    g_label.npy      [N_g] their global labels

(checked against ``synse/data_cnn60.py`` and SA-DVAE's ``data_cnn60.py``:
the ZSL accuracy compares ``unseen_inds[pred]`` with ``z_label``, and
``g_label`` holds seen and unseen global indices). vlalign reads and writes
exactly these six files, plus optional ones the originals do not have:

    {train,ztest,gtest}_frames.npy   [N, T, C] per-frame features (SMIE's
                                     temporal constraint)
    meta.json                        what made the folder (config,
                                     checkpoint, protocol, shapes); written
                                     last, so its presence marks a complete
                                     folder

:func:`load_zsl_features` reads a folder, :func:`vlalign.data_prep.writers.write_zsl_feature_file`
writes one array atomically; :class:`ZSLFeatureDataset` serves a split to
mmengine with the protocol's class names (``metainfo['classes']``, in
label-file order, so a label is an index into them).
"""
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from vlalign.classes.label_map import load_class_names
from vlalign.classes.protocols import ZeroShotProtocol, load_protocol
from vlalign.registry import DATASETS, register_collate_fn
from vlalign.utils.errors import ConfigError, DataError

#: split name -> (features file, labels file), the published names.
SPLIT_FILES: Dict[str, Tuple[str, str]] = {
    'train': ('train.npy', 'train_label.npy'),
    'ztest': ('ztest.npy', 'z_label.npy'),
    'gtest': ('gtest.npy', 'g_label.npy'),
}
FRAMES_SUFFIX = '_frames.npy'
META_FILE = 'meta.json'


def frames_file(split: str) -> str:
    """File name of a split's per-frame features, e.g. ``train_frames.npy``."""
    return split + FRAMES_SUFFIX


@dataclass
class ZSLFeatureSplit:
    """One split of a feature folder.

    Attributes:
        features (np.ndarray): ``[N, C]`` float32.
        labels (np.ndarray): ``[N]`` int64 global labels.
        frames (np.ndarray | None): ``[N, T, C]`` float32 or None.
    """

    features: np.ndarray
    labels: np.ndarray
    frames: Optional[np.ndarray] = None


@dataclass
class ZSLFeatureSet:
    """A feature folder: its splits and ``meta.json`` (may be empty)."""

    root: str
    splits: Dict[str, ZSLFeatureSplit]
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.splits['train'].features.shape[1])


def _load_array(path: str, what: str) -> np.ndarray:
    if not osp.isfile(path):
        raise DataError(f'{path}: {what} not found')
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DataError(f'{path}: not a readable .npy file ({e})') from e


def load_zsl_split(root: str, split: str, frames: bool = False,
                   num_classes: Optional[int] = None) -> ZSLFeatureSplit:
    """Read one split of a feature folder and check it.

    Args:
        root (str): The folder.
        split (str): ``'train'``, ``'ztest'`` or ``'gtest'``.
        frames (bool): Also read ``<split>_frames.npy``. Defaults to
            ``False``.
        num_classes (int, optional): Labels must lie in ``[0, L)``.

    Raises:
        DataError: Naming the file (and the first bad row) when a file is
            missing, features are not ``[N, C]`` finite floats, labels are
            not ``[N]`` integers in range, or frames do not match.
    """
    if split not in SPLIT_FILES:
        raise ConfigError(f'unknown feature split "{split}", choose one of '
                          f'{list(SPLIT_FILES)}')
    f_name, l_name = SPLIT_FILES[split]
    f_path, l_path = osp.join(root, f_name), osp.join(root, l_name)
    feats = _load_array(f_path, f'{split} features')
    labels = _load_array(l_path, f'{split} labels')
    if feats.ndim != 2 or feats.dtype.kind != 'f':
        raise DataError(f'{f_path}: features must be a float [N, C] array, '
                        f'got {feats.dtype} {tuple(feats.shape)}')
    labels = labels.reshape(-1) if labels.ndim == 2 and 1 in labels.shape \
        else labels
    if labels.ndim != 1 or labels.dtype.kind not in 'iu':
        raise DataError(f'{l_path}: labels must be an integer [N] array, '
                        f'got {labels.dtype} {tuple(labels.shape)}')
    if len(labels) != len(feats):
        raise DataError(f'{l_path}: {len(labels)} labels for the '
                        f'{len(feats)} rows of {f_path}')
    if num_classes is not None and len(labels):
        bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
        if len(bad):
            raise DataError(f'{l_path}: row {int(bad[0])} has label '
                            f'{int(labels[bad[0]])}, outside the '
                            f'{num_classes} classes of the protocol')
    out = ZSLFeatureSplit(np.ascontiguousarray(feats, dtype=np.float32),
                          labels.astype(np.int64))
    if frames:
        fr_path = osp.join(root, frames_file(split))
        fr = _load_array(fr_path, f'{split} per-frame features')
        if fr.ndim != 3 or fr.shape[0] != len(feats) or \
                fr.shape[2] != feats.shape[1]:
            raise DataError(f'{fr_path}: per-frame features must be '
                            f'[{len(feats)}, T, {feats.shape[1]}], got '
                            f'{tuple(fr.shape)}')
        out.frames = np.ascontiguousarray(fr, dtype=np.float32)
    return out


def load_zsl_features(root: str, frames: bool = False,
                      num_classes: Optional[int] = None,
                      splits: Sequence[str] = tuple(SPLIT_FILES)
                      ) -> ZSLFeatureSet:
    """Read a feature folder in the published layout (see the module doc).

    Raises:
        DataError: If the folder or a file is missing or malformed, or the
            splits differ in feature width.
    """
    if not osp.isdir(root):
        raise DataError(f'{root}: feature folder not found')
    out = {s: load_zsl_split(root, s, frames, num_classes) for s in splits}
    dims = {s: v.features.shape[1] for s, v in out.items()}
    if len(set(dims.values())) > 1:
        raise DataError(f'{root}: splits differ in feature width {dims}')
    meta: Dict[str, Any] = {}
    if osp.isfile(osp.join(root, META_FILE)):
        with open(osp.join(root, META_FILE), encoding='utf-8') as f:
            meta = json.load(f)
    return ZSLFeatureSet(root=root, splits=out, meta=meta)


def protocol_classes(protocol: ZeroShotProtocol,
                     class_file: Optional[str] = None) -> List[str]:
    """The label space of a protocol: its label file's names in order
    (``class_file`` if given), else seen then unseen.

    Raises:
        DataError: If ``class_file`` and the protocol disagree.
    """
    if class_file is not None:
        protocol.check_label_file(class_file)
        return load_class_names(class_file)
    if protocol.label_file is not None:
        return load_class_names(protocol.label_file)
    return list(protocol.classes)


@register_collate_fn
def zsl_feature_collate(batch: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Stack ``inputs['feature']`` ``[B, C]`` (and ``inputs['frames']``
    ``[B, T, C]``); ``data_samples`` stay a list."""
    first = batch[0]['inputs']
    inputs = {k: torch.stack([b['inputs'][k] for b in batch]) for k in first}
    return dict(inputs=inputs, data_samples=[b['data_samples'] for b in batch])


@DATASETS.register_module()
class ZSLFeatureDataset(BaseDataset):
    """One split of a published-layout feature folder, for mmengine.

    ``metainfo`` carries ``classes`` (the protocol's label space, label file
    order), ``seen_classes``, ``unseen_classes`` and ``val_classes``. Items
    are ``inputs=dict(feature=[C] (, frames=[T, C]))`` with an
    ``ActionDataSample`` whose ``gt_label`` is the global label.

    The ``train`` split keeps only rows of ``train_classes`` (default: the
    seen classes): a row of any other class, e.g. an unseen one that found
    its way into ``train.npy``, is dropped and counted in the log, so a
    stage-2 model never trains on it.

    Args:
        feature_dir (str): The folder (see :mod:`.zsl_features`).
        protocol (str): A :func:`~vlalign.classes.load_protocol` name or
            folder.
        split (str): ``'train'``, ``'ztest'`` or ``'gtest'``.
        class_file (str, optional): Label file of the labels. Defaults to
            the protocol's.
        frames (bool): Also serve per-frame features. Defaults to ``False``.
        train_classes (list[str], optional): Classes the ``train`` split
            keeps. Defaults to the protocol's seen classes.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self, feature_dir: str, protocol: str, split: str = 'train',
                 class_file: Optional[str] = None, frames: bool = False,
                 train_classes: Optional[Sequence[str]] = None,
                 **kwargs: Any) -> None:
        self.feature_dir = feature_dir
        self.protocol = load_protocol(protocol)
        self.split = split
        self.frames = bool(frames)
        classes = protocol_classes(self.protocol, class_file)
        keep = list(train_classes) if train_classes is not None \
            else list(self.protocol.seen)
        unknown = [c for c in keep if c not in classes]
        if unknown:
            raise ConfigError(f'train_classes {unknown} are not classes of '
                              f'protocol {self.protocol.name}')
        self.train_classes = keep
        metainfo = dict(kwargs.pop('metainfo', None) or {},
                        classes=tuple(classes),
                        seen_classes=tuple(self.protocol.seen),
                        unseen_classes=tuple(self.protocol.unseen),
                        val_classes=tuple(self.protocol.val or ()),
                        )
        if kwargs.get('indices') is not None:
            raise ConfigError('ZSLFeatureDataset does not support indices')
        kwargs.setdefault('serialize_data', False)
        kwargs.setdefault('pipeline', [])
        super().__init__(metainfo=metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        classes = self.metainfo['classes']
        data = load_zsl_split(self.feature_dir, self.split, self.frames,
                              num_classes=len(classes))
        if self.split == 'train':
            allowed = np.zeros(len(classes), dtype=bool)
            allowed[[classes.index(c) for c in self.train_classes]] = True
            mask = allowed[data.labels]
            dropped = int((~mask).sum())
            if dropped:
                print_log(f'ZSLFeatureDataset: dropped {dropped} rows of '
                          f'{osp.join(self.feature_dir, "train.npy")} whose '
                          'class is not a training class of protocol '
                          f'{self.protocol.name}', logger='current')
                data = ZSLFeatureSplit(
                    data.features[mask], data.labels[mask],
                    None if data.frames is None else data.frames[mask])
        if len(data.labels) == 0:
            raise DataError(f'{self.feature_dir}: split {self.split} has no '
                            'row left for protocol ' + self.protocol.name)
        self.features = torch.from_numpy(data.features)
        self.labels = torch.from_numpy(data.labels)
        self.frame_features = None if data.frames is None else \
            torch.from_numpy(data.frames)
        return []

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.labels)

    def get_data_info(self, idx: int) -> dict:
        return dict(label=int(self.labels[idx]), sample_idx=idx)

    def __getitem__(self, idx: int) -> Dict[str, Any]:
        if not self._fully_initialized:
            self.full_init()
        from mmaction.structures import ActionDataSample
        sample = ActionDataSample().set_gt_label(int(self.labels[idx]))
        sample.set_metainfo(dict(sample_idx=int(idx)))
        inputs = dict(feature=self.features[idx])
        if self.frame_features is not None:
            inputs['frames'] = self.frame_features[idx]
        return dict(inputs=inputs, data_samples=sample)
