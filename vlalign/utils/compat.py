"""Fixes for known defects of the pinned stack (see ``docs/get_started.md``).

Every fix here names the upstream defect it covers, is applied once by
``import vlalign`` (:func:`apply_all`) and is idempotent. Nothing else in
vlalign patches third-party code.

1. mmaction2 1.2.0 wheel: ``mmaction/models/localizers/__init__.py`` imports
   ``.drn.drn`` which the wheel does not ship, so ``import mmaction.models``
   raises ``ModuleNotFoundError``. With transformers installed mmaction2 also
   imports its VindLU models, which need timm -> torchvision; torchvision has no
   CPU build for the pinned torch. -> :func:`patch_mmaction_imports`.
2. torch >= 2.6 loads with ``weights_only=True`` by default, but mmengine
   checkpoints hold ``HistoryBuffer``, numpy scalars and more, so ``--resume``
   fails with "Weights only load failed". vlalign's checkpoints are files the
   user wrote, so the local loader loads them with ``weights_only=False``.
   -> :func:`patch_checkpoint_loading`.
3. torchrun on a CPU-only build: mmengine's ``init_dist(launcher='pytorch')``
   calls ``torch.cuda.set_device`` and the default DDP wrapper passes
   ``device_ids=[LOCAL_RANK]``; both fail without CUDA.
   -> :func:`init_cpu_distributed` and :func:`adapt_cfg_for_device`.
4. mmengine's ``LocalBackend.put`` writes checkpoints in place: a process
   killed mid-save leaves a truncated ``epoch_N.pth`` under its final name.
   -> :func:`vlalign.utils.atomic_checkpoint.patch_atomic_checkpoint_writes`
   (temporary file + fsync + ``os.replace``).
5. mmengine 0.10.7 resolves ``_base_ = 'pkg::path'`` only for the OpenMMLab
   packages listed in ``mmengine.config.utils.MODULE2PACKAGE``
   (``_get_package_and_cfg_path`` asserts ``package in MODULE2PACKAGE``:
   "mmengine does not support to load vlalign config"), and
   ``mmengine.utils.get_installed_path`` returns ``<dist location>/<name>``,
   which for a PEP 660 editable install (setuptools' finder: site-packages
   holds only the dist-info) does not exist. -> :func:`register_config_scope`
   (``vlalign::`` bases read ``vlalign/.mim/configs`` of the imported
   vlalign). mmengine resolves ``_base_`` in ``Config.fromfile``, before any
   ``custom_imports``, so ``import vlalign`` must come first.
"""
import functools
import importlib.util
import os
import sys
import types
from typing import Callable, Optional

_DRN_MODULES = ('mmaction.models.localizers.drn',
                'mmaction.models.localizers.drn.drn')


def _mmaction_drn_missing() -> bool:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return False
    root = spec.submodule_search_locations[0]
    return not os.path.isfile(
        os.path.join(root, 'models', 'localizers', 'drn', 'drn.py'))


def _torchvision_usable() -> bool:
    if importlib.util.find_spec('torchvision') is None:
        return False
    try:
        import torchvision  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means unusable
        return False
    return True


def patch_mmaction_imports() -> bool:
    """Make ``import mmaction.models`` work with the 1.2.0 wheel.

    Installs a stand-in for the missing ``drn`` package (its ``DRN`` raises an
    ImportError that says why when built) and turns mmaction2's optional
    multimodal models off when torchvision cannot be imported.

    Returns:
        bool: Whether the stand-in module was installed.
    """
    if 'mmaction.models' not in sys.modules and not _torchvision_usable():
        import mmaction.utils.dependency as dependency
        dependency.WITH_MULTIMODAL = False
    if not _mmaction_drn_missing() or _DRN_MODULES[1] in sys.modules:
        return False

    class DRN:  # noqa: D401 - stand-in
        """Stand-in for mmaction2's DRN, missing from the 1.2.0 wheel."""

        def __init__(self, *args, **kwargs) -> None:
            raise ImportError(
                'mmaction2 1.2.0 wheels do not ship mmaction/models/'
                'localizers/drn; install mmaction2 from source to use DRN.')

    package = types.ModuleType(_DRN_MODULES[0])
    package.__path__ = []  # a package, so ``.drn`` below is importable
    module = types.ModuleType(_DRN_MODULES[1])
    DRN.__module__, DRN.__qualname__ = module.__name__, 'DRN'
    module.DRN = DRN
    package.drn = module
    sys.modules[_DRN_MODULES[0]] = package
    sys.modules[_DRN_MODULES[1]] = module
    # The real module registers DRN; without this a config with
    # ``type='DRN'`` gets a misleading "not in the registry" KeyError.
    from mmaction.registry import MODELS
    if 'DRN' not in MODELS.module_dict:
        MODELS.register_module(name='DRN', module=DRN)
    return True


def load_from_trusted_local(filename: str, map_location=None):
    """mmengine's local checkpoint loader with ``weights_only=False``.

    Checkpoints written by the user's own runs hold mmengine objects that
    torch's weights-only unpickler refuses; only load files you trust.
    """
    import torch
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def patch_checkpoint_loading() -> None:
    """Register :func:`load_from_trusted_local` for local paths."""
    from mmengine.runner.checkpoint import CheckpointLoader
    if CheckpointLoader._schemes.get('') is not load_from_trusted_local:
        CheckpointLoader.register_scheme(
            prefixes='', loader=load_from_trusted_local, force=True)


def init_cpu_distributed(launcher: str, backend: str = 'gloo',
                         timeout_s: Optional[float] = None) -> bool:
    """Initialise the process group for a CPU-only run before mmengine does.

    mmengine's ``Runner`` skips its own ``init_dist`` (which needs CUDA) when
    a process group already exists. Does nothing when CUDA is available, the
    launcher is ``'none'``, or the group is already initialised.

    Args:
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun) or ``'slurm'``.
        backend (str): Backend for CPU runs. Defaults to ``'gloo'``.
        timeout_s (float, optional): Collective timeout in seconds.

    Returns:
        bool: Whether this call initialised the process group.
    """
    import torch
    import torch.distributed as dist
    if launcher == 'none' or torch.cuda.is_available() or (
            dist.is_available() and dist.is_initialized()):
        return False
    if launcher == 'slurm':
        # torchrun sets these; slurm gives its own names for them.
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            import subprocess
            node_list = os.environ['SLURM_NODELIST']
            os.environ['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {node_list} | head -n1')
    elif launcher != 'pytorch':
        raise ValueError(
            f'CPU-only distributed runs support the "pytorch" (torchrun) and '
            f'"slurm" launchers, got "{launcher}".')
    kwargs = {}
    if timeout_s is not None:
        import datetime
        kwargs['timeout'] = datetime.timedelta(seconds=timeout_s)
    dist.init_process_group(backend=backend, **kwargs)
    return True


def adapt_cfg_for_device(cfg) -> None:
    """On a CPU-only machine, make a distributed config use gloo and a DDP
    wrapper without ``device_ids`` (mmengine's default passes the local rank
    as a CUDA device). Leaves GPU machines and explicit settings untouched.

    Args:
        cfg (mmengine.Config): The config, modified in place.
    """
    import torch
    if torch.cuda.is_available():
        return
    # Not ``setdefault``: on a ``ConfigDict`` it returns the default object
    # while storing a converted copy, so edits to it would be lost.
    env_cfg = dict(cfg.get('env_cfg') or {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    dist_cfg['backend'] = 'gloo'  # mmengine's init_dist defaults to nccl
    env_cfg['dist_cfg'] = dist_cfg
    cfg['env_cfg'] = env_cfg
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    if wrapper['type'] in ('MMDistributedDataParallel',
                           'DistributedDataParallel'):
        wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


# The folder of the vlalign package that is imported (this file is
# ``vlalign/utils/compat.py``): where its ``.mim/configs`` are.
VLALIGN_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _vlalign_aware(get_installed_path: Callable[[str], str]
                   ) -> Callable[[str], str]:
    """Wrap mmengine's ``get_installed_path`` to answer :data:`VLALIGN_ROOT`
    for ``'vlalign'`` and defer to mmengine for every other package."""
    if getattr(get_installed_path, '_vlalign_wrapped', None) is not None:
        return get_installed_path

    @functools.wraps(get_installed_path)
    def wrapper(package: str) -> str:
        if package == 'vlalign':
            return VLALIGN_ROOT
        return get_installed_path(package)

    wrapper._vlalign_wrapped = get_installed_path
    return wrapper


def register_config_scope() -> None:
    """Make ``_base_ = 'vlalign::<folder>/<file>.py'`` resolve.

    Registers ``vlalign`` in mmengine's ``MODULE2PACKAGE`` and makes
    ``get_installed_path('vlalign')`` return the imported package's folder
    (normal, editable or ``PYTHONPATH`` use alike), whose ``.mim/configs``
    is the repository's ``configs/`` (a link in a checkout, a copy in a
    built wheel).
    """
    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils
    import mmengine.utils as mmengine_utils
    import mmengine.utils.package_utils as package_utils
    config_utils.MODULE2PACKAGE.setdefault('vlalign', 'vlalign')
    # ``from ... import get_installed_path`` bound the function in each of
    # these modules; mmengine's Config calls the one in config_module.
    for module in (package_utils, mmengine_utils, config_module):
        module.get_installed_path = _vlalign_aware(module.get_installed_path)


_APPLIED = False


def apply_all() -> None:
    """Apply the import-time fixes once (called by ``import vlalign``)."""
    global _APPLIED
    if _APPLIED:
        return
    patch_mmaction_imports()
    patch_checkpoint_loading()
    register_config_scope()
    from .atomic_checkpoint import patch_atomic_checkpoint_writes
    patch_atomic_checkpoint_writes()
    _APPLIED = True
