"""Cross-dataset zero-shot: leave one dataset out (``tools/benchmark_cross_dataset.py``).

A multi-dataset recipe (``configs/cross_dataset/``) trains one model on
several datasets at once (:class:`~vlalign.datasets.MultiPoseTextDataset`)
and names them in its top-level ``cross_datasets``::

    cross_datasets = dict(
        nw_ucla=dict(ann_file=..., class_file=..., split='xview_train',
                     text_source='purls:nw_ucla:global'), ...)

For every held-out dataset ``C`` and seed, the benchmark

1. trains the recipe on the other datasets only (their training splits, the
   recipe's components minus ``C``'s; no validation, the last checkpoint is
   the model, nothing is chosen on ``C``); with ``texts='descriptions'`` the
   class texts are the names plus the descriptions of the training datasets'
   own sources (``C``'s source is not used in training);
2. tests it on *all* samples of ``C`` (never trained on) over ``C``'s full
   label list, with the recipe's test pipeline, names only or names + ``C``'s
   descriptions: top-1, top-5 and mean class accuracy beside chance
   (``1/L``, ``min(5, L)/L``).

The figures are means +- std (``ddof=1``) over the seeds.
"""
import copy
import os.path as osp
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
from mmengine.config import Config

from vlalign.classes.label_map import load_class_names
from vlalign.datasets.pose_io import load_pose_annotations
from vlalign.utils.errors import ConfigError
from .zero_shot_runs import _disable_test_after_train, _runner, train_once

TEXTS = ('names', 'descriptions')
METRICS = ('acc/top1', 'acc/top5', 'acc/mean1')
Log = Callable[[str], None]


def cross_datasets(cfg: Config) -> Dict[str, Dict]:
    """The recipe's named datasets, checked against its training components.

    Raises:
        ConfigError: If ``cross_datasets`` is missing or malformed, the
            training set is not a ``MultiPoseTextDataset``, or a named
            dataset is not one of its components (matched by ``ann_file``).
    """
    named = cfg.get('cross_datasets')
    where = cfg.filename or 'the config'
    if not isinstance(named, Mapping) or len(named) < 2:
        raise ConfigError(f'{where}: needs a top-level cross_datasets = '
                          'dict(name=dict(ann_file, class_file, split, '
                          'text_source), ...) naming >= 2 datasets')
    train = cfg.train_dataloader.dataset
    if train.get('type') != 'MultiPoseTextDataset':
        raise ConfigError(f'{where}: train_dataloader.dataset must be a '
                          f'MultiPoseTextDataset, not {train.get("type")}')
    files = [d.get('ann_file') for d in train.datasets]
    for name, d in named.items():
        missing = [k for k in ('ann_file', 'class_file') if k not in d]
        if missing:
            raise ConfigError(f'{where}: cross_datasets.{name} lacks {missing}')
        if files.count(d['ann_file']) != 1:
            raise ConfigError(f'{where}: cross_datasets.{name} ({d["ann_file"]}) '
                              f'is not exactly one training component {files}')
    return {k: dict(v) for k, v in named.items()}


def _text_sources(named: Dict[str, Dict], names: Sequence[str], texts: str,
                  where: str) -> Optional[List]:
    if texts == 'names':
        return None
    lacking = [n for n in names if not named[n].get('text_source')]
    if lacking:
        raise ConfigError(f'{where}: cross_datasets {lacking} have no '
                          'text_source (needed for texts="descriptions")')
    return [[named[n]['text_source'] for n in names]]


def fold_training_config(cfg: Config, held_out: str, texts: str, seed: int,
                         work_dir: str) -> Config:
    """The recipe trained without ``held_out`` (see the module docstring).

    Raises:
        ConfigError: On an unknown dataset or ``texts``.
    """
    named = cross_datasets(cfg)
    if held_out not in named or texts not in TEXTS:
        raise ConfigError(f'held-out dataset must be one of {list(named)} and '
                          f'texts one of {TEXTS}; got {held_out!r}, {texts!r}')
    out = copy.deepcopy(cfg)
    out.work_dir = work_dir
    out.randomness = dict(out.get('randomness', {}) or {}, seed=seed)
    train = out.train_dataloader.dataset
    train.datasets = [d for d in train.datasets
                      if d.get('ann_file') != named[held_out]['ann_file']]
    kept = [n for n in named if n != held_out]
    out.model.class_text_sources = _text_sources(named, kept, texts,
                                                 cfg.filename)
    out.val_dataloader = out.val_cfg = out.val_evaluator = None
    _disable_test_after_train(out)
    out.load_from = None
    out.resume = True
    return out


def fold_test_config(cfg: Config, held_out: str, texts: str, checkpoint: str,
                     work_dir: str) -> Config:
    """Test ``checkpoint`` on every sample of ``held_out`` over its labels."""
    named = cross_datasets(cfg)
    target = named[held_out]
    out = copy.deepcopy(cfg)
    out.work_dir = work_dir
    out.load_from = checkpoint
    out.resume = False
    _disable_test_after_train(out)
    out.test_dataloader.dataset = dict(
        type='PoseTextDataset', ann_file=target['ann_file'],
        class_file=target['class_file'], split=None, test_mode=True,
        pipeline=copy.deepcopy(cfg.test_dataloader.dataset.pipeline))
    out.model.class_text_sources = _text_sources(named, [held_out], texts,
                                                 cfg.filename)
    out.test_evaluator = [dict(type='AccMetric')]
    return out


def chance_levels(num_classes: int) -> Dict[str, float]:
    """Expected accuracy of random scores over ``num_classes`` classes."""
    return {'acc/top1': 1 / num_classes,
            'acc/top5': min(5, num_classes) / num_classes,
            'acc/mean1': 1 / num_classes}


def run_cross_dataset_benchmark(config: str, seeds: Sequence[int],
                                work_dir: str,
                                held_out: Optional[Sequence[str]] = None,
                                texts: Sequence[str] = TEXTS,
                                cfg_options: Optional[Dict] = None,
                                log: Log = print) -> Dict:
    """Leave-one-dataset-out over the recipe's ``cross_datasets``.

    Args:
        config (str): A multi-dataset recipe.
        seeds (list[int]): Training seeds.
        work_dir (str): One folder per (held-out, texts, seed); a rerun
            reuses finished trainings and resumes an unfinished one.
        held_out (list[str], optional): Datasets to hold out. Defaults to
            all of them, one at a time.
        texts (list[str]): ``'names'`` and/or ``'descriptions'``.
        cfg_options (dict, optional): Merged into the config first.
        log (callable): Progress output.

    Returns:
        dict: ``runs`` (one per fold, texts and seed: metrics, minutes) and
        ``summary[held_out][texts][metric] = {mean, std, values}``, with
        ``num_classes``, ``num_samples``, ``chance`` and ``trained_on`` per
        held-out dataset.
    """
    from vlalign.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    named = cross_datasets(cfg)
    folds = list(held_out or named)
    bad = [n for n in folds if n not in named] + \
        [t for t in texts if t not in TEXTS]
    if bad:
        raise ConfigError(f'unknown held-out dataset or texts {bad}: datasets '
                          f'{list(named)}, texts {list(TEXTS)}')
    runs, summary = [], {}
    for name in folds:
        num = len(load_class_names(named[name]['class_file']))
        samples = len(load_pose_annotations(named[name]['ann_file'], None))
        summary[name] = dict(num_classes=num, num_samples=samples,
                             chance=chance_levels(num),
                             trained_on=[n for n in named if n != name])
        for kind in texts:
            for seed in seeds:
                tag = f'held out {name}, {kind}, seed {seed}'
                run_dir = osp.join(work_dir, name, kind, f'seed_{seed}')
                train_cfg = fold_training_config(cfg, name, kind, seed,
                                                 osp.join(run_dir, 'train'))
                checkpoint, minutes = train_once(
                    train_cfg, tag, f'training on {summary[name]["trained_on"]}',
                    log, dict(held_out=name, texts=kind, seed=seed))
                test_cfg = fold_test_config(cfg, name, kind, checkpoint,
                                            osp.join(run_dir, 'test'))
                metrics = {k: float(v) for k, v in
                           _runner(test_cfg).test().items()}
                log(f'{tag}: top-1 {metrics.get("acc/top1", float("nan")):.4f}'
                    f' (chance {1 / num:.4f})')
                runs.append(dict(held_out=name, texts=kind, seed=seed,
                                 metrics=metrics, train_minutes=minutes,
                                 checkpoint=checkpoint))
            values = {m: [r['metrics'][m] for r in runs if r['held_out'] == name
                          and r['texts'] == kind] for m in METRICS}
            summary[name][kind] = {
                m: dict(mean=float(np.mean(v)), values=v,
                        std=float(np.std(v, ddof=1)) if len(v) > 1 else 0.0)
                for m, v in values.items()}
    return dict(config=config, seeds=list(seeds), texts=list(texts),
                runs=runs, summary=summary)


def format_cross_dataset_table(summary: Dict[str, Dict],
                               texts: Sequence[str] = TEXTS) -> str:
    """A text table: per held-out dataset and texts, mean +- std and chance."""
    head = (f'{"held out":<10}{"classes":>8}{"samples":>8}  {"texts":<13}'
            + ''.join(f'{m.split("/")[1]:>19}' for m in METRICS)
            + f'{"chance top-1":>14}')
    lines = [head, '-' * len(head)]
    for name, fold in summary.items():
        for kind in texts:
            if kind not in fold:
                continue
            cells = ''.join(f'{fold[kind][m]["mean"]:>10.3f} +- '
                            f'{fold[kind][m]["std"]:.3f}' for m in METRICS)
            lines.append(f'{name:<10}{fold["num_classes"]:>8}'
                         f'{fold["num_samples"]:>8}  {kind:<13}'
                         f'{cells}{fold["chance"]["acc/top1"]:>14.3f}')
    return '\n'.join(lines)
