"""vlalign registries: children of mmaction2's, so configs can mix both by name.

Every registry the Runner builds from has a ``vlalign`` child (as mmaction2
does), so ``default_scope='vlalign'`` resolves everywhere. ``Registry.get``
looks into the parent's registered classes but does not trigger the parent's
``locations`` imports, so :func:`vlalign.utils.register_all_modules` imports
mmaction2's packages explicitly.
"""
from mmaction import registry as mma
from mmengine.registry import Registry, build_from_cfg


def _child(parent: Registry, locations=()) -> Registry:
    return Registry(parent.name, parent=parent, scope='vlalign',
                    locations=list(locations))


RUNNERS = _child(mma.RUNNERS)
RUNNER_CONSTRUCTORS = _child(mma.RUNNER_CONSTRUCTORS)
LOOPS = _child(mma.LOOPS)
HOOKS = _child(mma.HOOKS, ['vlalign.engine'])
DATASETS = _child(mma.DATASETS, ['vlalign.datasets'])
DATA_SAMPLERS = _child(mma.DATA_SAMPLERS, ['vlalign.datasets'])
TRANSFORMS = _child(mma.TRANSFORMS, ['vlalign.datasets.transforms'])
MODELS = _child(mma.MODELS, ['vlalign.models'])
MODEL_WRAPPERS = _child(mma.MODEL_WRAPPERS, ['vlalign.models'])
WEIGHT_INITIALIZERS = _child(mma.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child(mma.OPTIMIZERS, ['vlalign.engine'])
OPTIM_WRAPPERS = _child(mma.OPTIM_WRAPPERS, ['vlalign.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child(mma.OPTIM_WRAPPER_CONSTRUCTORS,
                                    ['vlalign.engine'])
PARAM_SCHEDULERS = _child(mma.PARAM_SCHEDULERS, ['vlalign.engine'])
METRICS = _child(mma.METRICS, ['vlalign.evaluation'])
EVALUATOR = _child(mma.EVALUATOR, ['vlalign.evaluation'])
TASK_UTILS = _child(mma.TASK_UTILS)
VISUALIZERS = _child(mma.VISUALIZERS, ['vlalign.visualization'])
VISBACKENDS = _child(mma.VISBACKENDS, ['vlalign.visualization'])
LOG_PROCESSORS = _child(mma.LOG_PROCESSORS, ['vlalign.engine'])
INFERENCERS = _child(mma.INFERENCERS, ['vlalign.apis'])
FUNCTIONS = _child(mma.FUNCTION)


def _build_loss(cfg, registry, default_args=None):
    """Build from ``LOSSES``; types it does not hold (e.g. mmaction2's
    ``CrossEntropyLoss``, registered in ``MODELS``) fall back to ``MODELS``."""
    obj_type = cfg.get('type') if isinstance(cfg, dict) else None
    if isinstance(obj_type, str) and registry.get(obj_type) is None:
        return MODELS.build(cfg, default_args=default_args)
    return build_from_cfg(cfg, registry, default_args)


# mmengine has no LOSSES registry. It cannot be a child of MODELS: mmengine
# requires sibling scopes to differ and resolves ``default_scope='vlalign'``
# to the first registry of that scope, so LOSSES is a root of its own whose
# build falls back to MODELS.
LOSSES = Registry(
    'loss', scope='vlalign', build_func=_build_loss,
    locations=['vlalign.models.losses'])


def register_collate_fn(fn):
    """Register a collate function so configs can name it in
    ``collate_fn=dict(type=...)``.

    mmengine 0.10.7's ``Runner.build_dataloader`` resolves that name with
    ``FUNCTIONS.get`` on mmengine's root registry, which (unlike ``build``)
    never descends into child scopes. The function therefore goes into
    vlalign's ``FUNCTIONS`` and, unless the name is taken, the root's.

    Args:
        fn (callable): The collate function; registered under its name.

    Returns:
        callable: ``fn`` (usable as a decorator).
    """
    from mmengine.registry import FUNCTIONS as ROOT_FUNCTIONS
    FUNCTIONS.register_module(module=fn)
    if ROOT_FUNCTIONS.get(fn.__name__) is None:
        ROOT_FUNCTIONS.register_module(module=fn)
    return fn
