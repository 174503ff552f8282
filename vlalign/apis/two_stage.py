"""Run stage-2 configs on a feature folder and compare them side by side.

:func:`configure_two_stage` points any ``configs/two_stage`` config at a
feature folder and a protocol (datasets, model, evaluator, feature width,
frames); :func:`run_two_stage` trains (ZSLTrainLoop: calibration fold, fit,
finalize) and tests one config with mmengine's Runner;
:func:`benchmark_two_stage` does it for several methods and seeds and
summarises (``tools/benchmark_two_stage.py``).
"""
import copy
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError

_PKG = osp.dirname(osp.dirname(osp.abspath(__file__)))
# A source checkout's configs/, else the copy installed with the package.
CONFIG_DIR = next((d for d in (
    osp.join(osp.dirname(_PKG), 'configs', 'two_stage'),
    osp.join(_PKG, '.mim', 'configs', 'two_stage')) if osp.isdir(d)),
    osp.join(osp.dirname(_PKG), 'configs', 'two_stage'))

#: Method name -> config (under configs/two_stage/).
METHODS: Dict[str, str] = {
    'vlalign': 'align_minilm_1xb64-100e_two-stage-feature.py',
    'vlalign-desc': 'align_minilm-desc_1xb64-100e_two-stage-feature.py',
    'cada-vae': 'cada-vae_minilm_1xb50-100e_two-stage-feature.py',
    'synse': 'synse_minilm_1xb64-10x1700it_two-stage-feature.py',
    'smie': 'smie_minilm_1xb128-100e_two-stage-feature.py',
    'sa-dvae': 'sa-dvae_minilm_1xb32-10x1700it_two-stage-feature.py',
}

#: Figures of the table: (key, column title).
REPORTED = (('zsl/top1', 'ZSL top-1'), ('gzsl/seen', 'S'),
            ('gzsl/unseen', 'U'), ('gzsl/hmean', 'H'),
            ('gzsl_cs/seen', 'S (cal)'), ('gzsl_cs/unseen', 'U (cal)'),
            ('gzsl_cs/hmean', 'H (cal)'), ('gzsl_gate/seen', 'S (gate)'),
            ('gzsl_gate/unseen', 'U (gate)'), ('gzsl_gate/hmean',
                                                'H (gate)'))


def _datasets(cfg: Config):
    for key in ('train_dataloader', 'test_dataloader', 'val_dataloader'):
        loader = cfg.get(key)
        if isinstance(loader, dict) and isinstance(loader.get('dataset'),
                                                   dict):
            yield loader['dataset']


def configure_two_stage(cfg: Config, feature_dir: Optional[str] = None,
                        protocol: Optional[str] = None,
                        descriptions: Optional[str] = None,
                        text_cache: Optional[str] = None,
                        seed: Optional[int] = None,
                        work_dir: Optional[str] = None) -> Config:
    """Point a stage-2 config at a feature folder and a protocol (in place).

    Sets the datasets' ``feature_dir`` / ``protocol``, the model's
    ``protocol`` and ``feature_dim`` (read from ``train.npy``), the
    evaluator's protocol, and per-frame features off (and SMIE's temporal
    term off) when the folder has none, as for SynSE's published features.

    Args:
        descriptions (str, optional): Replaces the description files of a
            config that has some (``model.text.sources``).
        text_cache (str, optional): A label-embedding cache for the class
            texts.
    """
    from vlalign.datasets.zsl_features import frames_file
    if protocol is not None:
        cfg.model.protocol = protocol
        for ds in _datasets(cfg):
            ds.protocol = protocol
        if isinstance(cfg.get('test_evaluator'), dict):
            cfg.test_evaluator.protocol = protocol
    if feature_dir is not None:
        for ds in _datasets(cfg):
            ds.feature_dir = feature_dir
    folder = next(_datasets(cfg)).feature_dir
    train = osp.join(folder, 'train.npy')
    if osp.isfile(train):
        cfg.model.feature_dim = int(np.load(train, mmap_mode='r').shape[1])
        if not osp.isfile(osp.join(folder, frames_file('train'))):
            for ds in _datasets(cfg):
                ds.frames = False
            if 'temporal' in cfg.model:
                cfg.model.temporal = False
    text = cfg.model.setdefault('text', {})
    if descriptions is not None and text.get('sources'):
        text.sources = [descriptions]
    if text_cache is not None:
        text.cache_file = text_cache
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=int(seed))
    if work_dir is not None:
        cfg.work_dir = work_dir
    return cfg


def run_two_stage(cfg: Config) -> Dict:
    """Train and test a configured stage-2 config in this process.

    Returns:
        dict: ``metrics`` (the test figures), ``train_seconds`` (calibration
        fold + fit + finalize), ``calibration`` (the fold's figures).
    """
    from vlalign.utils import register_all_modules
    from vlalign.utils.launch import build_runner
    register_all_modules()
    cfg.setdefault('default_scope', 'vlalign')
    cfg.launcher = 'none'
    runner = build_runner(cfg, 'none')
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    metrics = runner.test()
    calib_file = osp.join(runner.work_dir, 'calibration.json')
    calibration = json.load(open(calib_file)) if osp.isfile(calib_file) \
        else {}
    return dict(metrics={k: float(v) for k, v in metrics.items()},
                train_seconds=seconds, calibration=calibration)


def summarize(runs: Sequence[Dict]) -> Dict[str, Dict[str, float]]:
    """Mean and sample std (ddof=1) over seeds of each reported figure
    present in every run, and of ``train_seconds``."""
    out = {}
    keys = [k for k, _ in REPORTED] + ['train_seconds']
    for key in keys:
        vals = [r['metrics'].get(key) if key != 'train_seconds'
                else r['train_seconds'] for r in runs]
        if any(v is None for v in vals):
            continue
        arr = np.asarray(vals, dtype=np.float64)
        out[key] = dict(mean=float(arr.mean()),
                        std=float(arr.std(ddof=1)) if len(arr) > 1 else 0.0)
    return out


def format_table(rows: Dict[str, Dict[str, Dict[str, float]]],
                 title: str = '') -> str:
    """A Markdown table: one row per method, mean +- std per figure."""
    cols = [(k, t) for k, t in REPORTED
            if any(k in r for r in rows.values())] + \
        [('train_seconds', 'train s')]
    lines = [title] if title else []
    lines.append('| method | ' + ' | '.join(t for _, t in cols) + ' |')
    lines.append('|---|' + '---|' * len(cols))
    for name, summ in rows.items():
        cells = []
        for key, _ in cols:
            if key not in summ:
                cells.append('-')
            elif key == 'train_seconds':
                cells.append(f'{summ[key]["mean"]:.0f} +- '
                             f'{summ[key]["std"]:.0f}')
            else:
                cells.append(f'{summ[key]["mean"]:.3f} +- '
                             f'{summ[key]["std"]:.3f}')
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def resolve_methods(methods: Sequence[str]) -> List[str]:
    """``['all']`` -> every method; unknown names raise ConfigError."""
    if list(methods) == ['all']:
        return list(METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f'unknown methods {unknown}; choose from '
                          f'{list(METHODS)} or "all"')
    return list(methods)


def benchmark_two_stage(feature_dir: str, protocol: str,
                        methods: Sequence[str], seeds: Sequence[int],
                        work_dir: str,
                        descriptions: Optional[str] = None,
                        cfg_options: Optional[Dict] = None,
                        epoch_scale: float = 1.0, iter_scale: float = 1.0,
                        log: Callable[[str], None] = print) -> Dict:
    """Every method on the same features, one fit per seed.

    Each finished run is written to ``<work_dir>/<method>/seed_<s>/
    result.json``; a rerun skips runs that have one (resume).

    Returns:
        dict: ``runs`` (per method, per seed), ``summary`` (per method),
        ``table`` (Markdown).
    """
    methods = resolve_methods(methods)
    os.makedirs(work_dir, exist_ok=True)
    text_cache = osp.join(work_dir, 'class_text_cache.pth')
    runs: Dict[str, List[Dict]] = {}
    summary: Dict[str, Dict] = {}
    for method in methods:
        runs[method] = []
        for seed in seeds:
            out_dir = osp.join(work_dir, method, f'seed_{seed}')
            result_file = osp.join(out_dir, 'result.json')
            if osp.isfile(result_file):
                with open(result_file) as f:
                    result = json.load(f)
                log(f'[{method} seed {seed}] done before: {result_file}')
            else:
                cfg = Config.fromfile(osp.join(CONFIG_DIR, METHODS[method]))
                if cfg_options:
                    cfg.merge_from_dict(copy.deepcopy(cfg_options))
                configure_two_stage(cfg, feature_dir, protocol, descriptions,
                                    text_cache, seed, out_dir)
                scale_schedule(cfg, epoch_scale, iter_scale)
                log(f'[{method} seed {seed}] training and testing')
                result = dict(method=method, seed=int(seed),
                              config=METHODS[method], **run_two_stage(cfg))
                with atomic_open(result_file, 'w') as f:
                    json.dump(result, f, indent=2)
            runs[method].append(result)
            m = result['metrics']
            nan = float('nan')
            log(f'[{method} seed {seed}] ZSL {m.get("zsl/top1", nan):.3f} '
                f'H {m.get("gzsl/hmean", nan):.3f} H(cal) '
                f'{m.get("gzsl_cs/hmean", nan):.3f} '
                f'({result["train_seconds"]:.0f} s)')
        summary[method] = summarize(runs[method])
    table = format_table(summary, f'{protocol} on {feature_dir}, seeds '
                         f'{list(seeds)}')
    return dict(feature_dir=feature_dir, protocol=protocol,
                seeds=list(seeds), epoch_scale=epoch_scale,
                iter_scale=iter_scale, runs=runs, summary=summary,
                table=table)


def scale_schedule(cfg: Config, epoch_scale: float = 1.0,
                   iter_scale: float = 1.0) -> Config:
    """Shorten a stage-2 schedule uniformly (in place), for CPU budgets.

    ``epoch_scale`` multiplies an epoch-defined schedule (``max_epochs``,
    the param schedulers' ``begin`` / ``end`` / ``T_max``, CADA-VAE's
    warm-up epochs); ``iter_scale`` an iteration-defined one (``max_iters``
    and the cycle length of SynSE / SA-DVAE, whose warm-ups are fractions
    of a cycle). The number of cycles is kept.
    """
    tc = cfg.train_cfg
    if tc.get('max_epochs') is not None and epoch_scale != 1:
        tc.max_epochs = max(1, int(round(tc.max_epochs * epoch_scale)))
        for sched in cfg.get('param_scheduler') or []:
            for key in ('begin', 'end', 'T_max'):
                if key in sched:
                    sched[key] = max(1 if key != 'begin' else 0,
                                     int(round(sched[key] * epoch_scale)))
        if 'warmups' in cfg.model:
            cfg.model.warmups = {
                k: (v[0] * epoch_scale, v[1] * epoch_scale, v[2])
                for k, v in cfg.model.warmups.items()}
    if tc.get('max_iters') is not None and iter_scale != 1:
        tc.max_iters = max(1, int(round(tc.max_iters * iter_scale)))
        if 'cycle_length' in cfg.model:
            cfg.model.cycle_length = max(
                1, int(round(cfg.model.cycle_length * iter_scale)))
    return cfg
