"""The zero-shot benchmark of ``tools/benchmark_zeroshot.py``.

Two kinds of protocol, one procedure:

- a fixed protocol (:func:`~vlalign.classes.load_protocol`: a shipped name
  such as ``nw-ucla_purls_5-5`` or a folder): the seeds change only the
  training seed (and, without ``val.txt``, the held-out calibration
  classes);
- a seeded random protocol (``num_unseen``): the seed also draws the unseen
  classes (:func:`~vlalign.classes.protocols.random_protocol`, written to
  ``<work_dir>/seed_<s>/protocol/``).

Per seed, with the ``full`` scheme (the default):

1. The *ZSL model* trains on every seen class of the protocol, on every
   sample of the training split (no validation, last checkpoint).
2. The *calibration model* trains on the seen classes minus the held-out
   ones (``val.txt`` or a seeded subset) on most training samples, and the
   calibration constant is chosen on the training samples it did not see,
   the held-out classes posing as unseen
   (:func:`~vlalign.apis.zero_shot_calibration.run_calibration`). No unseen
   class, unseen sample or test sample takes part.
3. The ZSL model is tested on the test split over seen + unseen classes:
   ZSL top-1/top-5/mean class accuracy (unseen classes only), GZSL seen /
   unseen / H uncalibrated and calibrated with the constant of step 2, and
   the mean class accuracy over all classes.

The ``heldout`` scheme is the benchmark before vlalign 0.x: only the
calibration model is trained, and it is also the model tested (over its
trained classes + the unseen ones), so its ZSL figure comes from fewer
classes than the protocol allows. ``both`` runs the full scheme and tests
the calibration model as well, which costs one more evaluation, not a
training. Train minutes are reported per model.
"""
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from vlalign.classes.protocols import (ZeroShotProtocol, load_protocol,
                                       random_protocol)
from vlalign.datasets.pose_io import load_pose_annotations
from vlalign.utils.errors import ConfigError
from .zero_shot_calibration import run_calibration
from .zero_shot_runs import (SCORE_SPACE, dataset_cfg, evaluate_on_classes,
                             sample_names, train_on_classes)

SCHEMES = ('full', 'heldout', 'both')
REPORTED = ('zsl/top1', 'zsl/top5', 'zsl/mean_class_acc', 'gzsl/seen',
            'gzsl/unseen', 'gzsl/hmean', 'gzsl_cs/seen', 'gzsl_cs/unseen',
            'gzsl_cs/hmean', 'mean_class_acc')
Log = Callable[[str], None]


def _splits(cfg: Config, protocol: ZeroShotProtocol) -> Dict[str, str]:
    """Pickles and data splits: the protocol names the splits, the config
    the files."""
    train_ds = dataset_cfg(cfg, 'train_dataloader')
    test_ds = dataset_cfg(cfg, 'test_dataloader')
    return dict(train_ann=train_ds.ann_file, test_ann=test_ds.ann_file,
                train_split=protocol.train_split or train_ds.get('split'),
                test_split=protocol.test_split or test_ds.get('split'))


def check_protocol(cfg: Config, protocol: ZeroShotProtocol) -> Dict[str, str]:
    """Check that the config's data fit the protocol, before any training.

    Both datasets' label files must hold exactly the protocol's classes,
    and the pickles must have its training and test splits.

    Returns:
        dict: ``train_ann``, ``test_ann``, ``train_split``, ``test_split``.

    Raises:
        DataError: A label file or split that does not match (named).
        ConfigError: A split that is neither in the protocol nor the config.
    """
    for loader in ('train_dataloader', 'test_dataloader'):
        protocol.check_label_file(dataset_cfg(cfg, loader).class_file)
    splits = _splits(cfg, protocol)
    names = {}
    for kind in ('train', 'test'):
        if not splits[f'{kind}_split']:
            raise ConfigError(f'neither protocol {protocol.name} nor '
                              f'{cfg.filename} names the {kind} split')
        names[kind] = set(sample_names(load_pose_annotations(
            splits[f'{kind}_ann'], splits[f'{kind}_split'])))
    shared = sorted(names['train'] & names['test'])
    if shared:
        raise ConfigError(
            f'the training split "{splits["train_split"]}" and the test split '
            f'"{splits["test_split"]}" share {len(shared)} samples (e.g. '
            f'{shared[:3]}): the calibration would see test data')
    return splits


def run_seed(cfg: Config, protocol: ZeroShotProtocol, seed: int,
             work_dir: str, scheme: str = 'full',
             num_heldout: Optional[int] = None, val_fraction: float = 0.2,
             calibration_only: bool = False, log: Log = print) -> Dict:
    """One seed of the benchmark (see the module docstring).

    Args:
        cfg (Config): The recipe.
        protocol (ZeroShotProtocol): Seen and unseen classes.
        seed (int): Training seed (and seed of the held-out draws).
        work_dir (str): This seed's folder: ``zsl_model/``,
            ``calibration/`` (with ``calibration.json``), ``test*/``.
        scheme (str): ``'full'``, ``'heldout'`` or ``'both'``.
        num_heldout (int, optional): Held-out seen classes for a protocol
            without ``val.txt``.
        val_fraction (float): Share of each seen class's training samples
            the calibration model does not train on.
        calibration_only (bool): Stop after the calibration record.
        log (callable): Progress output.

    Returns:
        dict: The classes, the calibration constant and record, the train
        minutes, checkpoints and ``metrics`` (full scheme) and/or
        ``heldout_metrics`` (held-out scheme).
    """
    if scheme not in SCHEMES:
        raise ConfigError(f'--scheme must be one of {SCHEMES}, got {scheme!r}')
    splits = check_protocol(cfg, protocol)
    run: Dict = dict(seed=seed, protocol=protocol.name,
                     seen=list(protocol.seen), unseen=list(protocol.unseen),
                     train_split=splits['train_split'],
                     test_split=splits['test_split'], score_space=SCORE_SPACE,
                     train_minutes={}, checkpoints={})
    full = scheme in ('full', 'both') and not calibration_only
    if full:
        ckpt, minutes = train_on_classes(
            cfg, osp.join(work_dir, 'zsl_model'), seed, splits['train_ann'],
            splits['train_split'], protocol.seen,
            tag=f'[seed {seed}] ZSL model (every seen class)', log=log)
        run['train_minutes']['zsl_model'] = minutes
        run['checkpoints']['zsl_model'] = ckpt

    record = run_calibration(cfg, protocol, seed,
                             osp.join(work_dir, 'calibration'), val_fraction,
                             num_heldout, splits['train_split'],
                             log=lambda m: log(f'[seed {seed}] {m}'))
    gamma = record['gamma']
    run.update(gamma=gamma, calibration=dict(
        record=osp.join(work_dir, 'calibration', 'calibration.json'),
        trained_classes=record['trained_classes'],
        heldout_classes=record['heldout_classes'],
        heldout_source=record['heldout_source'], hmean=record['hmean']))
    run['train_minutes']['calibration'] = record['train_minutes']
    run['checkpoints']['calibration'] = record['checkpoint']
    if calibration_only:
        return run

    if full:
        log(f'[seed {seed}] testing the ZSL model on {splits["test_split"]} '
            f'({len(protocol.seen)} seen + {len(protocol.unseen)} unseen '
            f'classes, gamma {gamma:.4f})')
        run['metrics'] = evaluate_on_classes(
            cfg, run['checkpoints']['zsl_model'], osp.join(work_dir, 'test'),
            splits['test_ann'], splits['test_split'], protocol.seen,
            protocol.unseen, gamma=gamma)
    if scheme in ('heldout', 'both'):
        trained = record['trained_classes']
        log(f'[seed {seed}] testing the calibration model (held-out scheme) '
            f'on {splits["test_split"]} ({len(trained)} trained + '
            f'{len(protocol.unseen)} unseen classes)')
        run['heldout_metrics'] = evaluate_on_classes(
            cfg, record['checkpoint'], osp.join(work_dir, 'test_heldout'),
            splits['test_ann'], splits['test_split'], trained,
            protocol.unseen, gamma=gamma)
    return run


def summarize(runs: List[Dict], key: str = 'metrics') -> Dict[str, Dict]:
    """Mean and sample standard deviation (ddof=1) over seeds of each
    reported metric of ``run[key]``, the calibration constant and the train
    minutes, with the ZSL chance level (mean of 1 / unseen classes)."""
    rows: Dict[str, List[float]] = {}
    for run in runs:
        for name in REPORTED:
            if name in run.get(key, {}):
                rows.setdefault(name, []).append(run[key][name])
        if 'gamma' in run:
            rows.setdefault('calibration/gamma', []).append(run['gamma'])
        for model, minutes in run.get('train_minutes', {}).items():
            if key == 'metrics' or model == 'calibration':
                rows.setdefault(f'train_min/{model}', []).append(minutes)
        rows.setdefault('zsl/chance', []).append(1.0 / len(run['unseen']))
    out = {}
    for name, values in rows.items():
        arr = np.asarray(values, dtype=np.float64)
        out[name] = dict(mean=float(arr.mean()),
                         std=float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                         values=[float(v) for v in arr])
    return out


def format_summary(summary: Dict[str, Dict], runs: List[Dict],
                   title: str) -> str:
    """A text table: one column per seed, then mean +- std."""
    seeds = [r['seed'] for r in runs]
    head = f'{"metric":<22}' + ''.join(f'{"seed " + str(s):>10}' for s in seeds)
    lines = [title, head + f'{"mean +- std":>20}']
    for key, stat in summary.items():
        values = stat.get('values', [])
        per_seed = ''.join(f'{v:>10.4f}' for v in values) if \
            len(values) == len(seeds) else ' ' * (10 * len(seeds))
        lines.append(f'{key:<22}{per_seed}'
                     f'{stat["mean"]:>11.4f} +- {stat["std"]:.4f}')
    return '\n'.join(lines)


def _protocols(cfg: Config, seeds: Sequence[int], work_dir: str,
               protocol: Optional[str], num_unseen: Optional[int],
               num_heldout: Optional[int]) -> Dict[int, ZeroShotProtocol]:
    """The protocol of each seed, checked against the config (and the
    held-out count) before anything is written."""
    if (protocol is None) == (num_unseen is None):
        raise ConfigError('give either --protocol (a shipped protocol or a '
                          'folder) or --num-unseen (seeded random splits)')
    if protocol is not None:
        fixed = load_protocol(protocol)
        check_protocol(cfg, fixed)
        for seed in seeds:
            fixed.calibration_split(seed, num_heldout)
        return {s: fixed for s in seeds}
    train_ds = dataset_cfg(cfg, 'train_dataloader')
    test_ds = dataset_cfg(cfg, 'test_dataloader')
    kwargs = dict(class_file=train_ds.class_file, num_unseen=num_unseen,
                  train_split=train_ds.get('split'),
                  test_split=test_ds.get('split'))
    for seed in seeds:  # in memory first: nothing is written on an error
        drawn = random_protocol(None, seed=seed, **kwargs)
        drawn.calibration_split(seed, num_heldout)
    check_protocol(cfg, drawn)
    return {seed: random_protocol(
        osp.join(work_dir, f'seed_{seed}', 'protocol'), seed=seed, **kwargs)
        for seed in seeds}


def run_zero_shot_benchmark(config: str, seeds: Sequence[int], work_dir: str,
                            protocol: Optional[str] = None,
                            num_unseen: Optional[int] = None,
                            num_heldout: Optional[int] = None,
                            scheme: str = 'full',
                            calibration_only: bool = False,
                            val_fraction: float = 0.2,
                            cfg_options: Optional[Dict] = None,
                            log: Log = print) -> Dict:
    """Run :func:`run_seed` for every seed and summarise.

    Everything that can be checked without training (the protocol against
    the config's label files and splits, ``num_unseen``, ``num_heldout``,
    ``val_fraction``, ``scheme``) is checked before the first training.

    Args:
        config (str): The recipe.
        seeds (list[int]): Training seeds (with ``num_unseen``: also the
            splits).
        work_dir (str): Output folder, one ``seed_<s>`` folder per seed.
        protocol (str, optional): A shipped protocol name or a folder.
        num_unseen (int, optional): Seeded random splits instead.
        num_heldout (int, optional): Held-out seen classes for protocols
            without ``val.txt``.
        scheme (str): ``'full'`` (default), ``'heldout'`` or ``'both'``.
        calibration_only (bool): Only write the calibration records.
        val_fraction (float): See :func:`run_seed`.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        dict: ``runs`` (per seed), ``summary`` (full scheme) and/or
        ``heldout_summary``, and the protocol.
    """
    from vlalign.utils import register_all_modules
    register_all_modules()
    if scheme not in SCHEMES:
        raise ConfigError(f'--scheme must be one of {SCHEMES}, got {scheme!r}')
    if not 0 < val_fraction < 1:
        raise ConfigError(f'--val-fraction must be in (0, 1), got '
                          f'{val_fraction}')
    if not seeds:
        raise ConfigError('--seeds needs at least one seed')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    protocols = _protocols(cfg, list(seeds), work_dir, protocol, num_unseen,
                           num_heldout)
    first = protocols[seeds[0]]
    kind = 'fixed' if protocol is not None else 'random'
    log(f'protocol {first.name if protocol else f"random, {num_unseen} unseen"}'
        f': {len(first.seen)} seen / {len(first.unseen)} unseen classes; '
        f'{first.citation}; scheme {scheme}, seeds {list(seeds)}')
    runs = []
    start = time.time()
    for i, seed in enumerate(seeds):
        log(f'[seed {seed}] {i + 1}/{len(seeds)}, '
            f'{(time.time() - start) / 60:.1f} min so far')
        runs.append(run_seed(cfg, protocols[seed], seed,
                             osp.join(work_dir, f'seed_{seed}'), scheme,
                             num_heldout, val_fraction, calibration_only,
                             log))
    result = dict(config=config, kind=kind, scheme=scheme,
                  calibration_only=calibration_only, seeds=list(seeds),
                  num_unseen=len(first.unseen), num_seen=len(first.seen),
                  num_heldout=num_heldout, val_fraction=val_fraction,
                  score_space=SCORE_SPACE, work_dir=os.path.abspath(work_dir),
                  protocol=dict(
                      name=first.name if protocol else None,
                      root=first.root if protocol else None,
                      citation=first.citation if protocol else None,
                      seen=list(first.seen) if protocol else None,
                      unseen=list(first.unseen) if protocol else None,
                      val=list(first.val) if protocol and first.val else None),
                  runs=runs)
    if calibration_only:
        return result
    if scheme in ('full', 'both'):
        result['summary'] = summarize(runs, 'metrics')
    if scheme in ('heldout', 'both'):
        result['heldout_summary'] = summarize(runs, 'heldout_metrics')
    return result
