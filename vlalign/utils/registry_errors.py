"""Explaining config types that no registry knows, with the closest names.

mmengine's ``KeyError("Visese is not in the vlalign::model registry. Please
check ...")`` names neither the config field nor what was meant, and the
Runner raises it after it has created the work dir. Two helpers fix that:

- :func:`find_unknown_types` checks a config before the Runner exists, so a
  typo in a ``type`` stops a run before anything is written (tools call it
  through :func:`vlalign.apis.preflight.check_config`);
- :func:`explain_unknown_type` turns mmengine's ``KeyError`` (types the config
  check cannot see, e.g. built by a model's own code) into one line.

Both name the registry and the closest registered names, searched over the
registry, its parents (mmaction2, mmengine) and its children.
"""
import difflib
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from mmengine.registry import Registry

# mmengine's build functions: "X is not in the [scope::]name registry. ..."
_KEY_ERROR = re.compile(r'^(?P<type>\S+) is not in the '
                        r'(?:(?P<scope>[\w.]+)::)?(?P<registry>.+?) '
                        r'registry\.')

# Scopes whose registries vlalign's (children of mmaction2's, children of
# mmengine's) cover: a type they resolve resolves under these scopes too.
_COVERED_SCOPES = (None, 'vlalign', 'mmaction', 'mmengine')
_MAX_CLOSE = 5


def _descendants(registry: Registry) -> Iterator[Registry]:
    """``registry`` and every registry below it."""
    yield registry
    for child in registry.children.values():
        yield from _descendants(child)


def _ancestors(registry: Registry) -> Iterator[Registry]:
    """``registry`` and its parents up to the root."""
    while registry is not None:
        yield registry
        registry = registry.parent


def all_registries() -> List[Registry]:
    """Every registry of the tree mmengine, mmaction2 and vlalign build.

    Roots are the registries of :mod:`mmengine.registry` and of
    :mod:`vlalign.registry` (``LOSSES`` is a root of its own); children
    (mmaction2's, vlalign's) hang below them.
    """
    import mmengine.registry as mme

    from vlalign import registry as vla
    roots = {id(r): r for mod in (mme, vla) for r in vars(mod).values()
             if isinstance(r, Registry) and r.parent is None}
    seen: Dict[int, Registry] = {}
    for root in roots.values():
        for reg in _descendants(root):
            seen.setdefault(id(reg), reg)
    return list(seen.values())


def find_registry(name: str,
                  scope: Optional[str] = None) -> Optional[Registry]:
    """The registry called ``name`` (of ``scope``; vlalign's if None)."""
    matches = [r for r in all_registries() if r.name == name]
    for wanted in ((scope, ) if scope else ()) + ('vlalign', None):
        for reg in matches:
            if wanted is None or reg.scope == wanted:
                return reg
    return None


def _family_keys(registry: Registry) -> Set[str]:
    """Names registered in ``registry``, its parents and all their children
    (a root's whole tree): what a config under any scope could mean."""
    root = list(_ancestors(registry))[-1]
    return {key for reg in _descendants(root) for key in reg.module_dict}


def close_registered_names(name: str, registry: Optional[Registry] = None,
                           n: int = _MAX_CLOSE) -> List[str]:
    """Registered names closest to ``name`` (case-insensitive), best first.

    Args:
        name (str): The unknown type.
        registry (Registry, optional): Search its tree (its root and every
            registry below, so vlalign's, mmaction2's and mmengine's names).
            Defaults to ``None``: every registry.
        n (int): At most this many names. Defaults to ``5``.

    Returns:
        list[str]: The close names; empty when none is close.
    """
    if registry is not None:
        keys: Iterable[str] = _family_keys(registry)
    else:
        keys = {k for reg in all_registries() for k in reg.module_dict}
    by_lower: Dict[str, str] = {}
    for key in sorted(keys):
        by_lower.setdefault(key.lower(), key)
    # The bare name of a scoped one ("mmaction.Foo") is what was mistyped.
    bare = name.rsplit('.', 1)[-1].lower()
    close = difflib.get_close_matches(bare, list(by_lower), n=n, cutoff=0.6)
    return [by_lower[k] for k in close]


def unknown_type_message(name: str, registry: Optional[Registry],
                         field: Optional[str] = None) -> str:
    """One line saying that ``name`` is unknown, where, and what is close.

    Args:
        name (str): The unknown type.
        registry (Registry, optional): The registry it was looked up in;
            None when only "in no registry at all" is known.
        field (str, optional): The config field, e.g. ``'model.type'``.
            Defaults to ``None`` (``'type'``).

    Returns:
        str: E.g. ``model.type "Visese" is not in the vlalign::model
        registry; closest registered names: Visece, ...``.
    """
    where = field or 'type'
    if registry is None:
        scope_name = 'any'
    else:
        scope_name = f'the {registry.scope}::{registry.name}'
    close = close_registered_names(name, registry)
    hint = (f'closest registered names: {", ".join(close)}' if close
            else 'no registered name is close; is the module imported '
            '(custom_imports)?')
    return f'{where} "{name}" is not in {scope_name} registry; {hint}'


def explain_unknown_type(exc: BaseException) -> Optional[str]:
    """One line for mmengine's "X is not in the Y registry" ``KeyError``.

    Args:
        exc (BaseException): An exception raised while building or running.

    Returns:
        str | None: The type, the registry and the closest registered names;
        None when ``exc`` is not that error.
    """
    if not isinstance(exc, KeyError) or not exc.args \
            or not isinstance(exc.args[0], str):
        return None
    match = _KEY_ERROR.match(exc.args[0])
    if match is None:
        return None
    registry = find_registry(match['registry'], match['scope'])
    return unknown_type_message(match['type'], registry)


def _known(name: str, registry: Registry) -> bool:
    """Whether ``registry.get`` resolves ``name`` (as the Runner would)."""
    try:
        return registry.get(name) is not None
    except Exception:  # noqa: BLE001 - get() raises for bad dotted names
        return False


def _typed(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get('type'), str)


def _strict_fields(cfg: Dict) -> Iterator[Tuple[str, Dict, Registry]]:
    """``(field, dict, registry)`` for the typed dicts the Runner itself
    builds, each with the (vlalign) registry it builds them from."""
    from vlalign import registry as R

    def as_list(value: Any) -> List:
        return list(value) if isinstance(value, (list, tuple)) else [value]

    def dataset(field: str, ds: Any) -> Iterator[Tuple[str, Dict, Registry]]:
        if not isinstance(ds, dict):
            return
        yield field, ds, R.DATASETS
        for i, step in enumerate(as_list(ds.get('pipeline'))):
            yield f'{field}.pipeline.{i}', step, R.TRANSFORMS
        yield from dataset(f'{field}.dataset', ds.get('dataset'))
        for i, sub in enumerate(as_list(ds.get('datasets'))):
            yield from dataset(f'{field}.datasets.{i}', sub)

    yield 'model', cfg.get('model'), R.MODELS
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        for key in ('sampler', 'batch_sampler'):
            yield f'{split}_dataloader.{key}', loader.get(key), R.DATA_SAMPLERS
        yield from dataset(f'{split}_dataloader.dataset',
                           loader.get('dataset'))
        evaluator = cfg.get(f'{split}_evaluator')
        if isinstance(evaluator, dict) and 'metrics' in evaluator:
            yield f'{split}_evaluator', evaluator, R.EVALUATOR
            evaluator = evaluator['metrics']
        for i, metric in enumerate(as_list(evaluator)):
            field = f'{split}_evaluator' + (f'.{i}' if isinstance(
                evaluator, (list, tuple)) else '')
            yield field, metric, R.METRICS
        yield f'{split}_cfg', cfg.get(f'{split}_cfg'), R.LOOPS
    for key, hook in (cfg.get('default_hooks') or {}).items():
        yield f'default_hooks.{key}', hook, R.HOOKS
    for i, hook in enumerate(as_list(cfg.get('custom_hooks') or [])):
        yield f'custom_hooks.{i}', hook, R.HOOKS
    optim = cfg.get('optim_wrapper')
    if isinstance(optim, dict):
        yield 'optim_wrapper', optim, R.OPTIM_WRAPPERS
        yield 'optim_wrapper.optimizer', optim.get('optimizer'), R.OPTIMIZERS
    scheds = cfg.get('param_scheduler')
    for i, sched in enumerate(as_list(scheds)):
        field = 'param_scheduler' + (f'.{i}' if isinstance(
            scheds, (list, tuple)) else '')
        yield field, sched, R.PARAM_SCHEDULERS
    visualizer = cfg.get('visualizer')
    yield 'visualizer', visualizer, R.VISUALIZERS
    if isinstance(visualizer, dict):
        for i, backend in enumerate(as_list(visualizer.get('vis_backends')
                                            or [])):
            yield f'visualizer.vis_backends.{i}', backend, R.VISBACKENDS
    yield 'log_processor', cfg.get('log_processor'), R.LOG_PROCESSORS


def _typed_dicts(value: Any, field: str) -> Iterator[Tuple[str, Dict]]:
    """Every dict with a ``type`` below ``value``, with its dotted field."""
    if isinstance(value, dict):
        if _typed(value):
            yield field, value
        for key, sub in value.items():
            yield from _typed_dicts(sub, f'{field}.{key}' if field else key)
    elif isinstance(value, (list, tuple)):
        for i, sub in enumerate(value):
            yield from _typed_dicts(sub, f'{field}.{i}')


def find_unknown_types(cfg: Dict) -> List[str]:
    """Problems of a config's ``type`` names, found before any building.

    The dicts the Runner builds itself (``model``, datasets and their
    pipelines, samplers, evaluators, loops, hooks, optimizer, schedulers,
    visualizer, log processor) must resolve in their vlalign registry (which
    includes mmaction2's and mmengine's). Any other ``type`` (e.g. a
    backbone's, built by the model's code) only has to exist in some
    registry, as the exact registry is not known here. Dicts with their own
    ``_scope_`` and configs of other default scopes are only checked that way.

    Args:
        cfg (dict | mmengine.Config): The merged config.

    Returns:
        list[str]: One line per unknown type (see
        :func:`unknown_type_message`); empty when all resolve.
    """
    strict = cfg.get('default_scope') in _COVERED_SCOPES
    problems: List[str] = []
    checked: Set[int] = set()
    for field, value, registry in _strict_fields(cfg):
        if not strict or not _typed(value) or '_scope_' in value:
            continue
        checked.add(id(value))
        if not _known(value['type'], registry):
            problems.append(unknown_type_message(value['type'], registry,
                                                 f'{field}.type'))
    known: Optional[Set[str]] = None
    for field, value in _typed_dicts(dict(cfg), ''):
        name = value['type']
        # Dotted names are scoped or import paths that get() resolves.
        if id(value) in checked or '.' in name:
            continue
        if known is None:
            known = {k for reg in all_registries() for k in reg.module_dict}
        if name not in known:
            problems.append(unknown_type_message(name, None, f'{field}.type'))
    return problems

