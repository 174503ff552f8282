"""Choosing the GZSL calibration constant without unseen classes or test data.

The scheme (argued in docs/zero_shot.md; the selection itself is
:func:`vlalign.evaluation.calibration.select_calibration_gamma`):

1. :meth:`ZeroShotProtocol.calibration_split
   <vlalign.classes.ZeroShotProtocol.calibration_split>` holds some seen
   classes out: the protocol's ``val.txt``, or a seeded subset.
2. :func:`write_calibration_pickle` copies the *training* split's samples
   of the *seen* classes only (no test sample, no unseen sample is in the
   copy) and cuts each class, seeded, into ``cal_train`` and ``cal_val``.
3. :func:`run_calibration` trains the recipe on ``cal_train`` without the
   held-out classes (the *calibration model*), scores ``cal_val`` over the
   seen classes with the held-out ones posing as unseen, and keeps the
   constant that maximises their harmonic mean.
4. The record (``calibration.json``) names the classes and every sample
   that took part; :func:`check_calibration` refuses to apply it to an
   evaluation whose unseen classes or test samples it used
   (``tools/zeroshot.py --calibrate-on``).

The ZSL model is a different training, on every seen class and every
training sample; the constant is applied to its test scores.
"""
import json
import os
import os.path as osp
import pickle
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from vlalign.classes.label_map import load_class_names
from vlalign.classes.protocols import ZeroShotProtocol
from vlalign.datasets.pose_io import load_pose_annotations
from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError, DataError
from .zero_shot_runs import (SCORE_SPACE, dataset_cfg, evaluate_on_classes,
                             sample_names, train_on_classes)

CAL_TRAIN, CAL_VAL = 'cal_train', 'cal_val'
RECORD_KIND = 'vlalign zero-shot calibration'


def write_calibration_pickle(ann_file: str, train_split: str,
                             class_file: str, classes: Sequence[str],
                             val_fraction: float, seed: int,
                             out: str) -> Dict[str, List[str]]:
    """Copy the training samples of ``classes`` into a calibration pickle.

    Only annotations of ``train_split`` whose label is one of ``classes``
    are copied (labels unchanged, as indices of ``class_file``); each class
    is cut into ``cal_val`` (``round(val_fraction * n)`` samples, at least
    one when ``n >= 2``) and ``cal_train``, by a draw seeded with
    ``(seed, label)``, so a class's cut depends on its own samples only.

    Args:
        ann_file (str): PoseDataset pickle.
        train_split (str): Its training split.
        class_file (str): Label file of its labels.
        classes (list[str]): Classes to copy (a protocol's seen classes).
        val_fraction (float): Share of each class in ``cal_val``, in (0, 1).
        seed (int): Seed of the cut.
        out (str): The pickle to write (atomically).

    Returns:
        dict: ``{'cal_train': [names], 'cal_val': [names]}``.
    """
    if not 0 < val_fraction < 1:
        raise ConfigError(f'--val-fraction must be in (0, 1), got '
                          f'{val_fraction}')
    all_classes = load_class_names(class_file)
    unknown = [n for n in classes if n not in all_classes]
    if unknown:
        raise DataError(f'classes {unknown} are not in the label file '
                        f'{class_file}')
    labels = [all_classes.index(n) for n in classes]
    annos = load_pose_annotations(ann_file, train_split)
    names = sample_names(annos)
    splits: Dict[str, List[str]] = {CAL_TRAIN: [], CAL_VAL: []}
    by_label: Dict[int, List[int]] = {}
    for i, a in enumerate(annos):
        by_label.setdefault(int(a['label']), []).append(i)
    for label in sorted(labels):
        idx = by_label.get(label, [])
        n_val = int(round(val_fraction * len(idx)))
        if len(idx) >= 2:
            n_val = min(max(n_val, 1), len(idx) - 1)
        rng = np.random.default_rng([seed, label])
        val = set(rng.permutation(len(idx))[:n_val].tolist())
        for j, i in enumerate(idx):
            splits[CAL_VAL if j in val else CAL_TRAIN].append(names[i])
    members = {k: set(v) for k, v in splits.items()}
    kept = members[CAL_TRAIN] | members[CAL_VAL]
    # Lists in the order of the source split.
    data = dict(split={k: [n for n in names if n in members[k]]
                       for k in splits},
                annotations=[a for a, n in zip(annos, names) if n in kept])
    with atomic_open(out, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    return data['split']


def run_calibration(cfg: Config, protocol: ZeroShotProtocol, seed: int,
                    work_dir: str, val_fraction: float = 0.2,
                    num_heldout: Optional[int] = None,
                    train_split: Optional[str] = None,
                    log: Callable[[str], None] = print) -> Dict:
    """Train a calibration model and choose the calibration constant.

    See the module docstring. Writes ``calibration.pkl``, ``train/`` and
    ``calibration.json`` (the record) into ``work_dir``.

    Args:
        cfg (Config): The recipe (its train dataset names the pickle and
            label file; the protocol must match the label file).
        protocol (ZeroShotProtocol): Which classes are seen.
        seed (int): Training seed and seed of the held-out draws.
        work_dir (str): Output folder.
        val_fraction (float): Share of each seen class's training samples
            scored for calibration. Defaults to ``0.2``.
        num_heldout (int, optional): Held-out seen classes for protocols
            without ``val.txt``. Defaults to
            :meth:`ZeroShotProtocol.default_num_heldout`.
        train_split (str, optional): Training split of the pickle. Defaults
            to the protocol's, else the config's.
        log (callable): Progress output.

    Returns:
        dict: The record (see :func:`check_calibration`), with ``gamma``.
    """
    train_ds = dataset_cfg(cfg, 'train_dataloader')
    protocol.check_label_file(train_ds.class_file)
    split = train_split or protocol.train_split or train_ds.get('split')
    if not split:
        # Without a split the pickle's every sample, test ones too, would
        # be copied.
        raise ConfigError(f'neither protocol {protocol.name} nor '
                          f'{cfg.filename} names the training split to '
                          'calibrate on')
    cal = protocol.calibration_split(seed, num_heldout)
    os.makedirs(work_dir, exist_ok=True)
    pkl = osp.join(work_dir, 'calibration.pkl')
    samples = write_calibration_pickle(train_ds.ann_file, split,
                                       train_ds.class_file, protocol.seen,
                                       val_fraction, seed, pkl)
    log(f'calibration (seed {seed}): training on {len(cal.seen)} seen '
        f'classes, holding out {list(cal.unseen)} ({cal.source}); of the '
        f'seen classes\' samples of {split}, {len(samples[CAL_TRAIN])} are '
        f'{CAL_TRAIN} (trained on where their class is) and '
        f'{len(samples[CAL_VAL])} {CAL_VAL} (scored to choose gamma); no '
        'unseen class, no test sample')
    checkpoint, minutes = train_on_classes(
        cfg, osp.join(work_dir, 'train'), seed, pkl, CAL_TRAIN, cal.seen,
        tag=f'calibration model (seed {seed})', log=log)
    metrics = evaluate_on_classes(
        cfg, checkpoint, osp.join(work_dir, 'select'), pkl, CAL_VAL,
        seen=cal.seen, unseen=cal.unseen, select_gamma=True)
    gamma = float(metrics['calibration/gamma'])
    log(f'calibration (seed {seed}): gamma = {gamma:.4f} (held-out H '
        f'{metrics["calibration/hmean"]:.4f}, uncalibrated '
        f'{metrics["gzsl/hmean"]:.4f})')
    record = dict(
        kind=RECORD_KIND, gamma=gamma,
        hmean=float(metrics['calibration/hmean']), seed=seed,
        protocol=protocol.name, protocol_root=protocol.root,
        trained_classes=list(cal.seen), heldout_classes=list(cal.unseen),
        heldout_source=cal.source, excluded_classes=list(protocol.unseen),
        ann_file=osp.abspath(train_ds.ann_file), train_split=split,
        class_file=osp.abspath(train_ds.class_file),
        samples=samples, average_clips=SCORE_SPACE,
        config=cfg.filename, checkpoint=checkpoint, train_minutes=minutes,
        val_fraction=val_fraction, metrics=metrics)
    with atomic_open(osp.join(work_dir, 'calibration.json'), 'w') as f:
        json.dump(record, f, indent=2)
    return record


def load_calibration(path: str) -> Dict:
    """Read a ``calibration.json`` record.

    Raises:
        DataError: If the file is missing, not JSON, or not a record written
            by :func:`run_calibration` (the message names the file).
    """
    if not osp.isfile(path):
        raise DataError(f'calibration record {path} does not exist (it is the '
                        'calibration.json that tools/benchmark_zeroshot.py '
                        'writes per seed)')
    try:
        with open(path, encoding='utf-8') as f:
            record = json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f'{path}: not readable JSON: {e}') from e
    need = ('gamma', 'trained_classes', 'heldout_classes', 'samples',
            'average_clips')
    if not isinstance(record, dict) or record.get('kind') != RECORD_KIND or \
            any(k not in record for k in need):
        raise DataError(f'{path} is not a calibration record of '
                        'tools/benchmark_zeroshot.py (calibration.json with '
                        f'keys {list(need)})')
    return record


def check_calibration(record: Dict, unseen: Sequence[str],
                      test_samples: Sequence[str], source: str = '',
                      test_where: str = 'the test split') -> None:
    """Refuse a calibration constant chosen with this evaluation's unseen
    classes or test samples.

    Args:
        record (dict): From :func:`load_calibration`.
        unseen (list[str]): The evaluation's unseen classes.
        test_samples (list[str]): Names (``frame_dir``) of the samples it
            tests on.
        source (str): The record's file, named in errors.
        test_where (str): The test data, named in errors.

    Raises:
        ConfigError: If a class the calibration trained on or held out is
            unseen here, or a sample it used is tested here.
    """
    used_classes = set(record['trained_classes']) | set(
        record['heldout_classes'])
    leaked = [n for n in unseen if n in used_classes]
    if leaked:
        raise ConfigError(
            f'calibration {source} was chosen with classes that are unseen '
            f'in this evaluation: {leaked}; calibrate with a protocol whose '
            'seen classes include none of them')
    used = set()
    for names in record['samples'].values():
        used.update(names)
    overlap = [n for n in test_samples if n in used]
    if overlap:
        raise ConfigError(
            f'calibration {source} used {len(overlap)} samples of '
            f'{test_where} (e.g. {overlap[:3]}); a calibration constant '
            'must come from training samples only')
