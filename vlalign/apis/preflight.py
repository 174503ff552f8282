"""Checks of a merged config that tools run before the Runner writes anything.

mmengine's Runner creates the work dir, its log and config dump before it
builds the model, datasets or hooks, so an error found there leaves a
half-made work dir behind. What can be checked from the config alone is
checked here first: unknown ``type`` names
(:func:`vlalign.utils.registry_errors.find_unknown_types`), label files
whose class count disagrees with a fixed-size classification head,
``--cfg-options`` keys that would do nothing (:func:`check_cfg_options`);
then what needs building: the datasets (:func:`check_datasets`) and the
model with its checkpoint (:func:`check_checkpoint_fits`).
"""
import copy
import difflib
import inspect
import re
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

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


# ------------------------------------------------------ --cfg-options keys
_MORE_TOP_LEVEL = ('model_wrapper_cfg', 'compile', 'custom_imports',
                   'runner_type', 'strategy', 'work_dir')
# Keys of the untyped dicts the Runner builds itself.
_DATALOADER_KEYS = ('dataset', 'sampler', 'batch_sampler', 'collate_fn',
                    'worker_init_fn')
_UNTYPED_LOOPS = dict(train_cfg=('EpochBasedTrainLoop', 'IterBasedTrainLoop'),
                      val_cfg=('ValLoop', ), test_cfg=('TestLoop', ))
_ALWAYS = {'type', '_scope_', '_delete_'}


def _runner_keys() -> Set[str]:
    """Top-level keys the Runner (``from_cfg``) or the tools read."""
    from mmengine.runner import Runner
    params = inspect.signature(Runner.__init__).parameters
    return (set(params) - {'self', 'cfg'}) | set(_MORE_TOP_LEVEL)


def _forwards_kwargs_to_super(fn: Any) -> bool:
    """Whether ``fn``'s ``**kwargs`` visibly go to ``super().__init__``."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    return re.search(r'super\([^)]*\)\.__init__\([^)]*\*\*kwargs', source,
                     re.DOTALL) is not None


def accepted_kwargs(obj: Any) -> Optional[Set[str]]:
    """The keyword arguments a registered class or function accepts.

    A class's ``__init__`` taking ``**kwargs`` that it hands to
    ``super().__init__`` adds its parents' arguments; ``**kwargs`` that go
    anywhere else make the set open.

    Returns:
        set[str] | None: The names; None when any name may be accepted.
    """
    from torch import nn
    V, P, K = (inspect.Parameter.VAR_KEYWORD,
               inspect.Parameter.POSITIONAL_OR_KEYWORD,
               inspect.Parameter.KEYWORD_ONLY)
    chain = [c for c in obj.__mro__ if '__init__' in vars(c)] \
        if isinstance(obj, type) else [obj]
    names: Set[str] = set()
    for owner in chain:
        if owner is object:
            return names
        fn = vars(owner)['__init__'] if isinstance(obj, type) else owner
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            return None
        names |= {p.name for p in params if p.kind in (P, K)}
        # torch's Module.__init__(*args, **kwargs) only serves mixins.
        if owner is nn.Module or not any(p.kind == V for p in params):
            return names - {'self'}
        if not isinstance(obj, type) or not _forwards_kwargs_to_super(fn):
            return None
    return names - {'self'}


def _registered(name: str) -> List[Any]:
    """Every class or function registered as ``name`` in any registry."""
    from vlalign.utils.registry_errors import all_registries
    found = []
    for registry in all_registries():
        obj = registry.module_dict.get(name.rsplit('.', 1)[-1])
        if obj is not None and all(obj is not f for f in found):
            found.append(obj)
    return found


def _keys_taken(path: List[str], node: Dict,
                options: Dict[str, Any]) -> Optional[Tuple[str, Set[str]]]:
    """What the dict at ``path`` is built as and the keys that takes.

    Returns:
        tuple[str, set[str]] | None: A description and the accepted keys;
        None when unknown (the dict is passed on as it is).
    """
    prefix = '.'.join(path)
    type_name = options.get(f'{prefix}.type', node.get('type'))
    if isinstance(type_name, str):
        taken: Set[str] = set()
        for obj in _registered(type_name):
            keys = accepted_kwargs(obj)
            if keys is None:
                return None
            taken |= keys
        return (f'{prefix} (type {type_name})', taken) if taken else None
    if len(path) == 1 and path[0].endswith('_dataloader'):
        import torch.utils.data
        keys = accepted_kwargs(torch.utils.data.DataLoader.__init__) or set()
        return f'{prefix} (a DataLoader)', keys | set(_DATALOADER_KEYS)
    if len(path) == 1 and path[0] in _UNTYPED_LOOPS:
        from vlalign.registry import LOOPS
        taken = {'by_epoch'}
        for loop in _UNTYPED_LOOPS[path[0]]:
            taken |= accepted_kwargs(LOOPS.get(loop)) or set()
        return f'{prefix} (a loop)', taken - {'runner', 'dataloader'}
    return None


def cfg_option_problems(cfg: Dict, options: Dict[str, Any]) -> List[str]:
    """``--cfg-options`` keys that would do nothing or break the build.

    mmengine's ``merge_from_dict`` adds any key: a mistyped top-level key
    (``test_dataloder.dataset.ann_file=...``) is silently ignored, and a
    mistyped nested one reaches a constructor as an unexpected keyword
    after the Runner made its work dir. Each key is followed through the
    config before the merge; the first part that does not exist yet must be
    a top-level key the Runner reads, or an argument of the class the dict
    is built as (its ``type``, looked up in the registries), or of a
    dataloader or loop. Keys below dicts of unknown use are not judged.

    Args:
        cfg (dict | mmengine.Config): The config, before the merge.
        options (dict): ``--cfg-options`` as ``DictAction`` parsed them.

    Returns:
        list[str]: One line per key at fault, with the closest names.
    """
    problems = []
    # mmengine's Config is no dict; its top level is.
    top = cfg if isinstance(cfg, dict) else {k: cfg[k] for k in cfg.keys()}
    for key in options or {}:
        parts = key.split('.')
        node: Any = top
        for depth, part in enumerate(parts):
            if isinstance(node, (list, tuple)) and part.isdigit():
                node = node[int(part)] if int(part) < len(node) else None
                continue
            if not isinstance(node, dict) or part in node:
                node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    break
                continue
            if part in _ALWAYS:
                break
            if depth == 0:
                where, taken = 'the config (top level)', \
                    set(top) | _runner_keys()
            else:
                found = _keys_taken(parts[:depth], node, options)
                if found is None:
                    break
                where, taken = found
                taken = taken | set(node)
            if part not in taken:
                close = difflib.get_close_matches(part, sorted(taken), n=3,
                                                  cutoff=0.6)
                hint = (f'; closest: {", ".join(close)}' if close
                        else f'; it takes: {", ".join(sorted(taken)[:12])}'
                        + (', ...' if len(taken) > 12 else ''))
                problems.append(f'--cfg-options {key}: {where} has no '
                                f'"{part}"{hint}')
            break
    return problems


def check_cfg_options(cfg: Dict, options: Optional[Dict[str, Any]],
                      source: Optional[str] = None) -> None:
    """Fail on ``--cfg-options`` keys that would be ignored or break the
    build (:func:`cfg_option_problems`), before the merge.

    Raises:
        ConfigError: Naming the config file and every key at fault.
    """
    problems = cfg_option_problems(cfg, options or {})
    if problems:
        source = source or getattr(cfg, 'filename', None) or 'config'
        raise ConfigError(f'{source}: ' + '; '.join(problems))


# ------------------------------------------------------------- datasets
def check_datasets(cfg: Dict, splits: Sequence[str] = ('test', ),
                   source: Optional[str] = None) -> None:
    """Build the datasets of some dataloaders before the Runner exists.

    The Runner builds datasets only in ``train()``/``test()``, after it
    made ``<work_dir>/<timestamp>/`` and dumped the config, so a missing or
    malformed annotation file would leave that behind. Building them here
    once costs one extra read of the annotations.

    Args:
        cfg (dict | mmengine.Config): The merged config.
        splits (list[str]): Which ``<split>_dataloader`` datasets. Defaults
            to ``('test', )``.
        source (str, optional): The config file, for the message.

    Raises:
        DataError: From the dataset (it names the file and sample).
        ConfigError: For any other failure, naming the dataloader and file.
    """
    from vlalign.registry import DATASETS
    from vlalign.utils.errors import VlalignError
    source = source or getattr(cfg, 'filename', None) or 'config'
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        if not isinstance(dataset, dict):
            continue
        try:
            DATASETS.build(copy.deepcopy(dataset))
        except VlalignError:
            raise
        except KeyError as e:
            from vlalign.utils.registry_errors import explain_unknown_type
            message = explain_unknown_type(e) or f'KeyError: {e}'
            raise ConfigError(f'{source}: {split}_dataloader.dataset: '
                              f'{message}') from None
        except Exception as e:  # noqa: BLE001 - anything means it won't run
            raise ConfigError(
                f'{source}: {split}_dataloader.dataset '
                f'({dataset.get("ann_file", dataset.get("type"))}) cannot be '
                f'built: {type(e).__name__}: {e}'[:1000]) from None


# ----------------------------------------------------------- checkpoints
def check_checkpoint_fits(cfg: Dict, checkpoint: str,
                          allow_partial: bool = False) -> None:
    """Fail before the Runner starts if ``checkpoint`` does not load, or its
    weights do not fit the config's model.

    Builds the model once more, on the CPU, and loads the checkpoint into
    it with :func:`vlalign.utils.checkpoint_fit.load_state_dict_checked`;
    the Runner then loads it again (mmengine's ``strict=False``), which is
    safe once the keys and shapes are known to fit.

    Args:
        cfg (dict | mmengine.Config): The merged config.
        checkpoint (str): The file; URLs are left to mmengine.
        allow_partial (bool): Only report what does not fit. Defaults to
            ``False``.

    Raises:
        CheckpointError: If the file cannot be loaded.
        CheckpointMismatchError: If its weights do not fit the model.
    """
    if '://' in checkpoint:
        return
    from vlalign.registry import MODELS
    from vlalign.utils.checkpoint_fit import load_checkpoint_checked
    model = MODELS.build(copy.deepcopy(cfg['model']))
    load_checkpoint_checked(model, checkpoint, allow_partial)
