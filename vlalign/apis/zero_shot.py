"""The zero-shot protocol of ``tools/zeroshot.py`` and ``tools/test.py``.

Turns any test config into a zero-shot evaluation: the test set's classes
are named by a label file the model may never have seen, the unseen ones by
a class-split file, and the metrics become ZSL (unseen classes only) and
GZSL (seen and unseen together, optionally with calibrated stacking).
"""
import argparse
import json
import math
from typing import Dict, List, Optional, Sequence, Union

from vlalign.classes.label_map import load_class_names
from vlalign.utils.atomic_io import atomic_open
from vlalign.utils.errors import ConfigError

ClassList = Union[str, Sequence[str]]


def _names(classes: ClassList) -> List[str]:
    return load_class_names(classes) if isinstance(classes, str) \
        else list(classes)


def add_zero_shot_args(parser: argparse.ArgumentParser,
                       require_labels: bool = False) -> None:
    """Add the zero-shot options to a test CLI."""
    group = parser.add_argument_group(
        'zero-shot', 'evaluate on any label list (see docs/zero_shot.md)')
    group.add_argument(
        '--labels', required=require_labels,
        help='label file naming the test annotations\' labels (one name a '
        'line, line = label); replaces the config\'s class_file')
    group.add_argument(
        '--split', metavar='UNSEEN_FILE',
        help='label file of the unseen classes; the rest are seen. Adds '
        'ZSL/GZSL metrics')
    group.add_argument(
        '--prompts', nargs='+',
        help='prompt templates with one {} (an ensemble), or one name of '
        'vlalign.classes.class_texts.PROMPT_SETS (plain, action, person, '
        'skeleton, actionclip)')
    group.add_argument(
        '--descriptions', nargs='+', metavar='FILE',
        help='per-class description files joining the ensemble (GAP part '
        'descriptions, paragraphs, synonyms)')
    group.add_argument(
        '--gamma', type=float,
        help='calibrated-stacking constant typed by hand (unchecked: prefer '
        '--calibrate-on); adds gzsl_cs/* metrics')
    group.add_argument(
        '--calibrate-on', metavar='CALIBRATION_JSON',
        help='take the calibrated-stacking constant from a calibration record '
        '(calibration.json of tools/benchmark_zeroshot.py, e.g. with '
        '--calibration-only); refused if it used an unseen class or a test '
        'sample of this evaluation. Adds gzsl_cs/* metrics')
    group.add_argument('--ann-file', help='annotation pickle to test on')
    group.add_argument('--data-split', help='split of the pickle to test on')
    group.add_argument('--out', metavar='JSON',
                       help='write the metrics to this JSON file')


def wants_zero_shot(args: argparse.Namespace) -> bool:
    return any(getattr(args, k, None) is not None for k in (
        'labels', 'split', 'prompts', 'descriptions', 'gamma', 'ann_file',
        'data_split', 'calibrate_on'))


def apply_zero_shot(cfg, labels: Optional[str] = None,
                    unseen: Optional[ClassList] = None,
                    seen: Optional[ClassList] = None,
                    prompts: Optional[List[str]] = None,
                    descriptions: Optional[List[str]] = None,
                    gamma: Optional[float] = None,
                    ann_file: Optional[str] = None,
                    data_split: Optional[str] = None,
                    select_gamma: bool = False,
                    calibration: Optional[str] = None) -> Optional[float]:
    """Make ``cfg``'s test run a zero-shot evaluation (in place).

    The test dataset keeps all classes of the label file (GZSL scores every
    class; ZSL restricts to the unseen ones), so ``class_subset`` is
    dropped; given both ``seen`` and ``unseen``, it keeps exactly those.

    Args:
        cfg (Config): A config with a test dataloader, changed in place.
        labels (str, optional): Label file of the annotations' labels.
        unseen (str | list[str], optional): Unseen classes (file or names).
        seen (str | list[str], optional): Seen classes; defaults to the
            complement of ``unseen``.
        prompts (list[str], optional): Templates or one prompt-set name.
        descriptions (list[str], optional): Description files.
        gamma (float, optional): Calibrated-stacking constant.
        ann_file (str, optional): Annotation pickle to test on.
        data_split (str, optional): Its split.
        select_gamma (bool): Choose the constant on this set (calibration
            sets only). Defaults to ``False``.
        calibration (str, optional): A calibration record
            (``calibration.json``, :mod:`.zero_shot_calibration`): its
            constant and score space are used, after checking that none of
            its classes is unseen here and none of its samples is in the
            test split. Excludes ``gamma``.

    Returns:
        float | None: The calibration constant the evaluation applies.

    Raises:
        ConfigError: If the test dataset has no ``class_file`` (it must be a
            :class:`~vlalign.datasets.PoseTextDataset` or alike), a
            calibration constant comes without unseen classes, or the
            calibration record used this evaluation's unseen classes or
            test samples.
    """
    dataset = cfg.test_dataloader.dataset
    if 'class_file' not in dataset:
        raise ConfigError(
            f'zero-shot evaluation needs a test dataset with class_file '
            f'(e.g. PoseTextDataset); {cfg.filename} has '
            f'{dataset.get("type")}')
    if labels is not None:
        dataset.class_file = labels
    dataset.class_subset = None
    if seen is not None and unseen is not None:
        dataset.class_subset = _names(seen) + _names(unseen)
    if ann_file is not None:
        dataset.ann_file = ann_file
    if data_split is not None:
        dataset.split = data_split
    if prompts:
        cfg.model.templates = prompts[0] if len(prompts) == 1 and \
            '{}' not in prompts[0] else list(prompts)
    if descriptions:
        cfg.model.class_text_sources = list(descriptions)
    if (gamma is not None or select_gamma or calibration) and unseen is None \
            and seen is None:
        raise ConfigError(f'--{"calibrate-on" if calibration else "gamma"} '
                          'needs --split (which classes are unseen)')
    if calibration is not None:
        if gamma is not None:
            raise ConfigError('give --gamma or --calibrate-on, not both')
        gamma = _checked_calibration(cfg, calibration, unseen, seen)
    evaluator = [dict(type='AccMetric')]
    if unseen is not None or seen is not None:
        evaluator.append(dict(type='ZeroShotMetric', unseen_classes=unseen,
                              seen_classes=seen, calibration_gamma=gamma,
                              select_gamma=select_gamma))
    cfg.test_evaluator = evaluator
    return gamma


def _checked_calibration(cfg, path: str, unseen: Optional[ClassList],
                         seen: Optional[ClassList]) -> float:
    """The constant of a calibration record, checked against the test
    dataset of ``cfg``; sets the record's score space on the model."""
    from vlalign.datasets.pose_io import load_pose_annotations
    from .zero_shot_calibration import check_calibration, load_calibration
    from .zero_shot_runs import sample_names
    record = load_calibration(path)
    dataset = cfg.test_dataloader.dataset
    if unseen is not None:
        unseen_names = _names(unseen)
    else:
        known = set(_names(seen))
        unseen_names = [n for n in load_class_names(dataset.class_file)
                        if n not in known]
    split = dataset.get('split')
    test = sample_names(load_pose_annotations(dataset.ann_file, split))
    check_calibration(record, unseen_names, test, source=path,
                      test_where=f'{dataset.ann_file} (split {split})')
    cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {},
                              average_clips=record['average_clips'])
    return float(record['gamma'])


def apply_zero_shot_args(cfg, args: argparse.Namespace) -> None:
    """:func:`apply_zero_shot` with the options of :func:`add_zero_shot_args`.

    With ``--calibrate-on``, ``args.gamma`` is set to the record's constant
    (so that the tool's JSON output names it)."""
    gamma = apply_zero_shot(
        cfg, labels=args.labels, unseen=args.split, prompts=args.prompts,
        descriptions=args.descriptions, gamma=args.gamma,
        ann_file=args.ann_file, data_split=args.data_split,
        calibration=getattr(args, 'calibrate_on', None))
    if getattr(args, 'calibrate_on', None):
        args.gamma = gamma


_ROWS = [
    ('acc/top1', 'top-1, all classes of the label file'),
    ('acc/top5', 'top-5, all classes'),
    ('acc/mean1', 'mean class accuracy, all classes'),
    ('zsl/top1', 'ZSL top-1 (unseen samples, unseen classes)'),
    ('zsl/top5', 'ZSL top-5'),
    ('zsl/mean_class_acc', 'ZSL mean class accuracy'),
    ('gzsl/seen', 'GZSL seen (mean class acc)'),
    ('gzsl/unseen', 'GZSL unseen (mean class acc)'),
    ('gzsl/hmean', 'GZSL harmonic mean'),
    ('gzsl_cs/seen', 'GZSL seen, calibrated stacking'),
    ('gzsl_cs/unseen', 'GZSL unseen, calibrated stacking'),
    ('gzsl_cs/hmean', 'GZSL harmonic mean, calibrated stacking'),
    ('mean_class_acc', 'mean class accuracy (ZeroShotMetric)'),
    ('calibration/gamma', 'calibrated-stacking constant chosen here'),
    ('calibration/hmean', 'GZSL harmonic mean at that constant'),
]


def format_zero_shot_table(metrics: Dict[str, float], title: str = '') -> str:
    """The metrics as an aligned text table (known keys first, in order)."""
    known = dict(_ROWS)
    keys = [k for k, _ in _ROWS if k in metrics]
    keys += sorted(k for k in metrics if k not in known)
    width = max([len(known.get(k, k)) for k in keys] + [len(title), 10])
    lines = [title, '-' * (width + 10)] if title else []
    for k in keys:
        value = metrics[k]
        shown = f'{value:.4f}' if isinstance(value, float) and \
            not math.isnan(value) else str(value)
        lines.append(f'{known.get(k, k):<{width}}  {shown:>8}')
    return '\n'.join(lines)


def write_json_atomic(path: str, data: Dict) -> None:
    """Write ``data`` as JSON; readers never see a partial file."""
    with atomic_open(path, 'w') as f:
        json.dump(data, f, indent=2, sort_keys=True)
