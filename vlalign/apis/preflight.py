"""Checks of a merged config that tools run before the Runner writes anything.

mmengine's Runner creates the work dir, its log and config dump before it
builds the model, datasets or hooks, so an error found there leaves a
half-made work dir behind. What can be checked from the config alone is
checked here first: unknown ``type`` names
(:func:`vlalign.utils.registry_errors.find_unknown_types`) and label files
whose class count disagrees with a fixed-size classification head.
"""
from typing import Any, Dict, List, Optional, Tuple

from vlalign.classes.label_map import load_class_names
from vlalign.utils.errors import ConfigError
from vlalign.utils.registry_errors import find_unknown_types


def model_num_classes(model_cfg: Any) -> Optional[int]:
    """``cls_head.num_classes`` of a model config (mmaction2's heads), or
    None for models without a fixed number of classes (text-aligned ones)."""
    head = model_cfg.get('cls_head') if isinstance(model_cfg, dict) else None
    num = head.get('num_classes') if isinstance(head, dict) else None
    return num if isinstance(num, int) and not isinstance(num, bool) else None


def dataset_label_count(dataset_cfg: Any) -> Optional[Tuple[str, int]]:
    """The label file of a dataset config and how many classes it gives.

    Follows dataset wrappers (``dataset=dict(...)``) down to the first config
    with a ``class_file`` (:class:`vlalign.datasets.PoseTextDataset`); with a
    ``class_subset`` the subset is what the dataset labels.

    Returns:
        tuple[str, int] | None: The file (the subset file when there is one)
        and the class count; None for datasets without a ``class_file``.

    Raises:
        DataError: If a label file is missing or malformed.
    """
    while isinstance(dataset_cfg, dict) and 'class_file' not in dataset_cfg:
        dataset_cfg = dataset_cfg.get('dataset')
    if not isinstance(dataset_cfg, dict) \
            or not isinstance(dataset_cfg['class_file'], str):
        return None
    class_file, subset = dataset_cfg['class_file'], dataset_cfg.get(
        'class_subset')
    if subset is None:
        return class_file, len(load_class_names(class_file))
    if isinstance(subset, str):
        return subset, len(load_class_names(subset))
    return f'class_subset of {class_file}', len(subset)


def label_count_problems(cfg: Dict) -> List[str]:
    """Dataloaders whose class count is not ``model.cls_head.num_classes``.

    Args:
        cfg (dict | mmengine.Config): The merged config.

    Returns:
        list[str]: One line per disagreeing dataloader, naming the label
        file, its count and the model's; empty when all agree or the model
        takes any number of classes.

    Raises:
        DataError: If a label file is missing or malformed.
    """
    num_classes = model_num_classes(cfg.get('model'))
    if num_classes is None:
        return []
    problems = []
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        found = dataset_label_count(loader.get('dataset'))
        if found is not None and found[1] != num_classes:
            problems.append(
                f'{split}_dataloader.dataset: label file {found[0]} holds '
                f'{found[1]} classes but the model has {num_classes} '
                '(model.cls_head.num_classes)')
    return problems


def check_config(cfg: Dict, source: Optional[str] = None) -> None:
    """Fail early on unknown types and label counts the model cannot take.

    Args:
        cfg (dict | mmengine.Config): The merged config.
        source (str, optional): The config file, for the message. Defaults
            to ``cfg.filename`` when it has one.

    Raises:
        ConfigError: Naming the config file and every field at fault.
        DataError: If a label file is missing or malformed.
    """
    problems = find_unknown_types(cfg)
    if not problems:  # label files are only worth reading for a valid model
        problems = label_count_problems(cfg)
    if problems:
        source = source or getattr(cfg, 'filename', None) or 'config'
        raise ConfigError(f'{source}: ' + '; '.join(problems))
