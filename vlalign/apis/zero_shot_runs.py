"""The training and evaluation steps of the zero-shot protocols on a config.

:mod:`.zero_shot_calibration` and :mod:`.zero_shot_benchmark` build their
runs from these steps; each takes a config whose train and test datasets are
:class:`~vlalign.datasets.PoseTextDataset`-like (an ``ann_file``, a
``class_file`` and a ``split``, possibly inside dataset wrappers) and
rewrites a copy of it:

- :func:`train_on_classes`: train on a class subset of one data split, no
  validation (nothing is selected: the last checkpoint is used), resumable
  (:func:`train_once`, which any training config can use);
- :func:`evaluate_on_classes`: score one data split over a list of seen
  and unseen classes with :class:`~vlalign.evaluation.ZeroShotMetric`, in
  logit space (``average_clips='score'``, see
  :mod:`vlalign.evaluation.calibration`).
"""
import copy
import hashlib
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict

from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError
from .zero_shot import apply_zero_shot

#: Clip scores are averaged as logits in every zero-shot evaluation of the
#: benchmark, so a calibration constant does not depend on the label space.
SCORE_SPACE = 'score'

Log = Callable[[str], None]


def dataset_cfg(cfg: Config, loader: str) -> ConfigDict:
    """The dataset config of ``cfg[loader]`` that names the data: the
    innermost one with an ``ann_file`` (wrappers such as ``RepeatDataset``
    are followed down).

    Raises:
        ConfigError: If there is none, or it lacks ``class_file``.
    """
    ds = cfg.get(loader, {}).get('dataset')
    while isinstance(ds, Mapping) and 'ann_file' not in ds:
        ds = ds.get('dataset')
    if not isinstance(ds, Mapping):
        raise ConfigError(f'{cfg.filename}: {loader} has no dataset with an '
                          'ann_file; the zero-shot protocols need a '
                          'PoseTextDataset (ann_file, class_file, split)')
    if 'class_file' not in ds:
        raise ConfigError(f'{cfg.filename}: the {loader} dataset '
                          f'({ds.get("type")}) has no class_file; the '
                          'zero-shot protocols need a PoseTextDataset')
    return ds


def config_fingerprint(cfg: Config) -> str:
    """A hash of what a training depends on (not where it writes)."""
    data = {k: v for k, v in cfg.to_dict().items()
            if k not in ('work_dir', 'resume', 'load_from', 'launcher')}
    text = json.dumps(data, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _disable_test_after_train(cfg: Config) -> None:
    for hook in cfg.get('custom_hooks', []) or []:
        if isinstance(hook, Mapping) and hook.get('type') == 'TestAfterTrainHook':
            hook['enable'] = False


def training_config(cfg: Config, work_dir: str, seed: int, ann_file: str,
                    split: str, classes: Sequence[str]) -> Config:
    """A copy of ``cfg`` that trains on ``classes`` of ``ann_file:split``.

    Validation is off (``val_*`` set to None): nothing is chosen on held-out
    data, the last checkpoint is the model. ``TestAfterTrainHook`` is off,
    and the run resumes from the newest checkpoint in ``work_dir``.
    """
    out = copy.deepcopy(cfg)
    out.work_dir = work_dir
    out.randomness = dict(out.get('randomness', {}) or {}, seed=seed)
    ds = dataset_cfg(out, 'train_dataloader')
    ds.update(ann_file=ann_file, split=split, class_subset=list(classes))
    out.val_dataloader = None
    out.val_cfg = None
    out.val_evaluator = None
    hooks = out.get('default_hooks', {})
    if isinstance(hooks.get('checkpoint'), Mapping):
        hooks['checkpoint']['save_best'] = None
    _disable_test_after_train(out)
    out.load_from = None
    out.resume = True
    return out


def _runner(cfg: Config):
    from vlalign.utils.launch import build_runner
    return build_runner(cfg, 'none')


def _last_checkpoint(work_dir: str) -> str:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        raise ConfigError(f'training in {work_dir} wrote no last_checkpoint')
    with open(path) as f:
        return f.read().strip()


def train_on_classes(cfg: Config, work_dir: str, seed: int, ann_file: str,
                     split: str, classes: Sequence[str], tag: str,
                     log: Log = print) -> Tuple[str, float]:
    """Train ``cfg`` on ``classes`` of ``ann_file:split`` (see
    :func:`training_config`); a finished identical training in
    ``work_dir`` is reused, an unfinished one resumed.

    Args:
        cfg (Config): The recipe.
        work_dir (str): Its own folder.
        seed (int): Training seed.
        ann_file (str): PoseDataset pickle.
        split (str): Data split to train on.
        classes (list[str]): Class names to train on.
        tag (str): Named in the progress lines.
        log (callable): Progress output.

    Returns:
        tuple: ``(checkpoint, train minutes)``.

    Raises:
        ConfigError: If ``work_dir`` holds a finished training of another
            config, classes or data (use another work dir).
    """
    train_cfg = training_config(cfg, work_dir, seed, ann_file, split, classes)
    epochs = train_cfg.get('train_cfg', {}).get('max_epochs', '?')
    return train_once(
        train_cfg, tag,
        f'training on {len(classes)} classes of {split} ({epochs} epochs, '
        f'seed {seed})', log,
        dict(classes=list(classes), split=split, ann_file=ann_file, seed=seed))


def train_once(train_cfg: Config, tag: str, what: str, log: Log = print,
               record: Optional[Dict] = None) -> Tuple[str, float]:
    """Train ``train_cfg`` in its ``work_dir`` unless an identical training
    finished there (its ``train_done.json``); an unfinished one resumes
    (``train_cfg.resume`` is True).

    Args:
        train_cfg (Config): A training config with ``work_dir``.
        tag (str): Named in the progress lines.
        what (str): What is trained, for the progress line.
        log (callable): Progress output.
        record (dict, optional): Extra fields of ``train_done.json``.

    Returns:
        tuple: ``(checkpoint, train minutes)``.

    Raises:
        ConfigError: If ``work_dir`` holds a finished training of another
            config or data (use another work dir).
    """
    work_dir = train_cfg.work_dir
    fingerprint = config_fingerprint(train_cfg)
    marker = osp.join(work_dir, 'train_done.json')
    if osp.isfile(marker):
        with open(marker) as f:
            done = json.load(f)
        if done.get('fingerprint') != fingerprint:
            raise ConfigError(
                f'{work_dir} holds a finished training of another config, '
                f'class list or data ({marker}); give the benchmark a new '
                '--work-dir')
        if osp.isfile(done['checkpoint']):
            log(f'{tag}: reusing the finished training {done["checkpoint"]} '
                f'({done["minutes"]:.1f} min)')
            return done['checkpoint'], float(done['minutes'])
    log(f'{tag}: {what} in {work_dir}')
    start = time.time()
    _runner(train_cfg).train()
    minutes = (time.time() - start) / 60
    checkpoint = _last_checkpoint(work_dir)
    os.makedirs(work_dir, exist_ok=True)
    with atomic_open(marker, 'w') as f:
        json.dump(dict(record or {}, fingerprint=fingerprint,
                       checkpoint=checkpoint, minutes=minutes), f, indent=2)
    log(f'{tag}: trained in {minutes:.1f} min')
    return checkpoint, minutes


def evaluate_on_classes(cfg: Config, checkpoint: str, work_dir: str,
                        ann_file: str, split: str, seen: Sequence[str],
                        unseen: Sequence[str], gamma: Optional[float] = None,
                        select_gamma: bool = False) -> Dict[str, float]:
    """Zero-shot metrics of ``checkpoint`` on ``ann_file:split``, over the
    classes ``seen + unseen`` (samples of other classes are left out).

    Clip scores are averaged as logits (:data:`SCORE_SPACE`).

    Returns:
        dict: The test metrics (``zsl/*``, ``gzsl/*``, ``gzsl_cs/*`` with
        ``gamma``, ``calibration/*`` with ``select_gamma``).
    """
    eval_cfg = copy.deepcopy(cfg)
    eval_cfg.work_dir = work_dir
    eval_cfg.load_from = checkpoint
    eval_cfg.resume = False
    _disable_test_after_train(eval_cfg)
    apply_zero_shot(eval_cfg, seen=list(seen), unseen=list(unseen),
                    ann_file=ann_file, data_split=split, gamma=gamma,
                    select_gamma=select_gamma)
    eval_cfg.model.test_cfg = dict(eval_cfg.model.get('test_cfg') or {},
                                   average_clips=SCORE_SPACE)
    metrics = _runner(eval_cfg).test()
    return {k: float(v) for k, v in metrics.items()}


def sample_names(annotations: List[Dict]) -> List[str]:
    """The ``frame_dir`` (or ``filename``) of each annotation."""
    key = 'filename' if annotations and 'filename' in annotations[0] \
        else 'frame_dir'
    return [a[key] for a in annotations]
