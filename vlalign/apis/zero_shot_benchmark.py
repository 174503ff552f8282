"""Train on the seen classes of seeded splits, report ZSL and GZSL.

The protocol of ``tools/benchmark_zeroshot.py``, for any config whose train
and test datasets are :class:`~vlalign.datasets.PoseTextDataset`-like (an
``ann_file``, a ``class_file`` and a ``split``). Per seed:

1. Draw the unseen classes (:func:`random_class_split`), then hold out some
   seen classes (:func:`heldout_calibration_split`); the model trains on
   the remaining ``train_seen`` classes only.
2. Hold out a seeded fraction of the training samples as ``zs_val``
   (written with the original splits to a protocol pickle in the work dir).
3. Train on ``zs_train`` x ``train_seen``; validate on ``zs_val``.
4. Calibrate: on ``zs_val`` with ``train_seen`` + held-out classes, the
   held-out ones posing as unseen, choose the calibrated-stacking constant
   that maximises the GZSL harmonic mean. No unseen class or test sample
   is looked at.
5. Test on the test split with ``train_seen`` + unseen classes: ZSL top-1
   and top-5 (unseen classes only), GZSL seen / unseen / harmonic mean,
   uncalibrated and calibrated with the constant of step 4.

The held-out classes are in neither training nor the test label space, so
"seen" in the GZSL figures means the classes the model was trained on.
"""
import copy
import os
import os.path as osp
import pickle
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from vlalign.classes.class_splits import (heldout_calibration_split,
                                           random_class_split,
                                           save_class_names)
from vlalign.classes.label_map import load_class_names
from vlalign.datasets.pose_io import load_pose_annotations
from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError
from .zero_shot import apply_zero_shot

TRAIN_SPLIT, VAL_SPLIT = 'zs_train', 'zs_val'
REPORTED = ('zsl/top1', 'zsl/top5', 'gzsl/seen', 'gzsl/unseen', 'gzsl/hmean',
            'gzsl_cs/seen', 'gzsl_cs/unseen', 'gzsl_cs/hmean')


def write_protocol_pickle(ann_file: str, train_split: str, test_split: str,
                          val_fraction: float, seed: int, out: str) -> None:
    """Copy a PoseDataset pickle with the train split cut into
    ``zs_train``/``zs_val`` (seeded) and the test split kept; atomic."""
    annos = load_pose_annotations(ann_file)
    key = 'filename' if annos and 'filename' in annos[0] else 'frame_dir'
    train = [a[key] for a in load_pose_annotations(ann_file, train_split)]
    test = [a[key] for a in load_pose_annotations(ann_file, test_split)]
    rng = np.random.default_rng(seed)
    is_val = np.zeros(len(train), dtype=bool)
    is_val[rng.permutation(len(train))[:int(round(val_fraction * len(train)))]] = True
    data = dict(split={TRAIN_SPLIT: [n for n, v in zip(train, is_val) if not v],
                       VAL_SPLIT: [n for n, v in zip(train, is_val) if v],
                       test_split: test},
                annotations=annos)
    with atomic_open(out, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)


def _runner(cfg: Config):
    from vlalign.utils.launch import build_runner
    return build_runner(cfg, 'none')


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def run_seed(cfg: Config, num_unseen: int, num_heldout: int, seed: int,
             work_dir: str, val_fraction: float = 0.2,
             log: Callable[[str], None] = print) -> Dict:
    """One seed of the protocol (see the module docstring).

    Returns:
        dict: The class lists, the calibration constant and the test metrics.
    """
    train_ds = cfg.train_dataloader.dataset
    test_ds = cfg.test_dataloader.dataset
    for name, ds in (('train', train_ds), ('test', test_ds)):
        missing = [k for k in ('ann_file', 'class_file', 'split') if k not in ds]
        if missing:
            raise ConfigError(f'{cfg.filename}: the {name} dataset needs '
                              f'{missing} for the zero-shot benchmark')
    classes = load_class_names(train_ds.class_file)
    split = random_class_split(classes, num_unseen, seed)
    train_seen, heldout = heldout_calibration_split(split.seen, num_heldout,
                                                    seed)
    os.makedirs(work_dir, exist_ok=True)
    for name, names in (('unseen', split.unseen), ('train_seen', train_seen),
                        ('heldout', heldout)):
        save_class_names(osp.join(work_dir, f'{name}.txt'), names)
    log(f'[seed {seed}] unseen: {list(split.unseen)}; held out for '
        f'calibration: {list(heldout)}; training on {len(train_seen)} classes')
    protocol = osp.join(work_dir, 'protocol.pkl')
    write_protocol_pickle(train_ds.ann_file, train_ds.split, test_ds.split,
                          val_fraction, seed, protocol)

    # Train on the train_seen classes only.
    train_cfg = copy.deepcopy(cfg)
    train_cfg.work_dir = osp.join(work_dir, 'train')
    train_cfg.randomness = dict(train_cfg.get('randomness', {}), seed=seed)
    for loader, data_split in (('train_dataloader', TRAIN_SPLIT),
                               ('val_dataloader', VAL_SPLIT)):
        ds = train_cfg[loader].dataset
        ds.update(ann_file=protocol, split=data_split,
                  class_subset=list(train_seen))
    start = time.time()
    log(f'[seed {seed}] training ({train_cfg.train_cfg.max_epochs} epochs)')
    _runner(train_cfg).train()
    train_min = (time.time() - start) / 60
    checkpoint = _last_checkpoint(train_cfg.work_dir)

    def evaluate(tag: str, **protocol_args) -> Dict[str, float]:
        eval_cfg = copy.deepcopy(cfg)
        eval_cfg.work_dir = osp.join(work_dir, tag)
        eval_cfg.load_from = checkpoint
        apply_zero_shot(eval_cfg, **protocol_args)
        return _runner(eval_cfg).test()

    log(f'[seed {seed}] calibrating on {VAL_SPLIT} (held-out seen classes '
        'posing as unseen)')
    calib = evaluate('calibration', seen=list(train_seen),
                     unseen=list(heldout), ann_file=protocol,
                     data_split=VAL_SPLIT, select_gamma=True)
    gamma = float(calib['calibration/gamma'])
    log(f'[seed {seed}] gamma = {gamma:.4f}; testing on {test_ds.split}')
    test = evaluate('test', seen=list(train_seen), unseen=list(split.unseen),
                    ann_file=protocol, data_split=test_ds.split, gamma=gamma)
    return dict(seed=seed, unseen=list(split.unseen), heldout=list(heldout),
                train_seen=list(train_seen), gamma=gamma,
                calibration_hmean=float(calib['calibration/hmean']),
                train_minutes=train_min, checkpoint=checkpoint,
                metrics={k: float(v) for k, v in test.items()})


def summarize(runs: List[Dict], num_unseen: int) -> Dict[str, Dict[str, float]]:
    """Mean and sample standard deviation (ddof=1) of each reported metric
    over seeds, with the ZSL chance level."""
    out = {}
    for key in REPORTED:
        values = np.array([r['metrics'][key] for r in runs if key in r['metrics']])
        if len(values):
            out[key] = dict(mean=float(values.mean()),
                            std=float(values.std(ddof=1)) if len(values) > 1
                            else 0.0)
    out['zsl/chance'] = dict(mean=1.0 / num_unseen, std=0.0)
    return out


def format_summary(summary: Dict[str, Dict[str, float]], runs: List[Dict],
                   title: str) -> str:
    """A text table: one column per seed, then mean +- std."""
    seeds = [r['seed'] for r in runs]
    head = f'{"metric":<16}' + ''.join(f'{"seed " + str(s):>10}' for s in seeds)
    lines = [title, head + f'{"mean +- std":>18}']
    for key, stat in summary.items():
        per_seed = ''.join(f'{r["metrics"].get(key, stat["mean"]):>10.4f}'
                           for r in runs)
        lines.append(f'{key:<16}{per_seed}'
                     f'{stat["mean"]:>11.4f} +- {stat["std"]:.4f}')
    return '\n'.join(lines)


def run_zero_shot_benchmark(config: str, num_unseen: int, seeds: Sequence[int],
                            work_dir: str, num_heldout: Optional[int] = None,
                            val_fraction: float = 0.2,
                            cfg_options: Optional[Dict] = None,
                            log: Callable[[str], None] = print) -> Dict:
    """Run :func:`run_seed` for every seed and summarise.

    Args:
        config (str): Config file (trained as is, on the seen classes).
        num_unseen (int): Unseen classes per split.
        seeds (list[int]): One split (and training seed) each.
        work_dir (str): Output folder, one ``seed_<s>`` folder per seed.
        num_heldout (int, optional): Seen classes held out for calibration.
            Defaults to 20% of the seen classes, at least 1.
        val_fraction (float): Training samples held out as ``zs_val``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        dict: ``runs`` (per seed) and ``summary`` (mean, std).
    """
    from vlalign.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    num_classes = len(load_class_names(cfg.train_dataloader.dataset.class_file))
    num_seen = num_classes - num_unseen
    if num_heldout is None:
        num_heldout = max(1, int(round(0.2 * num_seen)))
    if not 1 <= num_heldout < num_seen:
        raise ConfigError(f'num_heldout must be in [1, {num_seen - 1}] with '
                          f'{num_seen} seen classes, got {num_heldout}')
    runs = [run_seed(cfg, num_unseen, num_heldout, seed,
                     osp.join(work_dir, f'seed_{seed}'), val_fraction, log)
            for seed in seeds]
    return dict(config=config, num_classes=num_classes, num_unseen=num_unseen,
                num_heldout=num_heldout, val_fraction=val_fraction,
                runs=runs, summary=summarize(runs, num_unseen))
