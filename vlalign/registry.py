"""vlalign registries: children of mmaction2's, so configs can mix both by name.

``Registry.get`` looks into the parent's registered classes but does not
trigger the parent's ``locations`` imports, so :func:`vlalign.utils.register_all_modules`
imports mmaction2's model/dataset packages explicitly.
"""
from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import HOOKS as MMACTION_HOOKS
from mmaction.registry import METRICS as MMACTION_METRICS
from mmaction.registry import MODELS as MMACTION_MODELS
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmaction.registry import VISUALIZERS as MMACTION_VISUALIZERS
from mmengine.registry import Registry, build_from_cfg

MODELS = Registry(
    'model', parent=MMACTION_MODELS, scope='vlalign',
    locations=['vlalign.models'])


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
DATASETS = Registry(
    'dataset', parent=MMACTION_DATASETS, scope='vlalign',
    locations=['vlalign.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMACTION_TRANSFORMS, scope='vlalign',
    locations=['vlalign.datasets.transforms'])
METRICS = Registry(
    'metric', parent=MMACTION_METRICS, scope='vlalign',
    locations=['vlalign.evaluation'])
HOOKS = Registry(
    'hook', parent=MMACTION_HOOKS, scope='vlalign',
    locations=['vlalign.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMACTION_VISUALIZERS, scope='vlalign',
    locations=['vlalign.visualization'])
