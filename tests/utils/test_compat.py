"""One test per stack defect fixed by :mod:`vlalign.utils.compat`.

Only ``vlalign.utils.compat`` and ``vlalign.registry`` are used, so these
tests do not depend on vlalign's models or datasets.
"""
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import vlalign  # noqa: F401  (applies the fixes)
from vlalign.utils import compat

REPO_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    """A TCP port that is free on localhost right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_mmaction_models_importable_and_drn_stand_in() -> None:
    """Defect 1: the mmaction2 1.2.0 wheel lacks ``localizers/drn``.

    After ``import vlalign``, ``import mmaction.models`` works, mmaction2's
    models resolve through vlalign's registry, and building DRN fails with
    an ImportError that says why.
    """
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN

    from vlalign.registry import MODELS

    assert MODELS.get('STGCN') is mmaction.models.STGCN
    assert MODELS.get('ResNet3dSlowOnly') is mmaction.models.ResNet3dSlowOnly
    if not compat._mmaction_drn_missing():
        pytest.skip('this mmaction2 ships DRN; no stand-in needed')
    assert sys.modules[compat._DRN_MODULES[1]].DRN is DRN
    with pytest.raises(ImportError, match='do not ship .*drn'):
        DRN()
    with pytest.raises(ImportError, match='install mmaction2 from source'):
        MODELS.build(dict(type='DRN'))


def test_checkpoint_with_mmengine_objects_loads(tmp_path: Path) -> None:
    """Defect 2: torch>=2.6 ``weights_only`` loading refuses mmengine
    checkpoints (``HistoryBuffer``, numpy objects in ``message_hub``)."""
    from mmengine.logging import HistoryBuffer, MessageHub
    from mmengine.runner.checkpoint import (CheckpointLoader,
                                            _load_checkpoint,
                                            load_from_local, save_checkpoint)

    hub = MessageHub.get_instance('test_compat_ckpt')
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_info('np_info', np.arange(3))
    checkpoint = dict(
        meta=dict(epoch=1, iter=4, seed=np.int64(0)),
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict())
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint(checkpoint, str(path))

    # The defect: torch's defaults and mmengine's own local loader fail.
    with pytest.raises(pickle.UnpicklingError, match='[Ww]eights only'):
        torch.load(path)
    with pytest.raises(pickle.UnpicklingError):
        load_from_local(str(path), map_location='cpu')

    # The fix: mmengine's loader entry points now load it.
    for loaded in (CheckpointLoader.load_checkpoint(str(path), 'cpu'),
                   _load_checkpoint(str(path), map_location='cpu')):
        assert loaded['meta']['iter'] == 4
        assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
        buffer = loaded['message_hub']['log_scalars']['train/loss']
        assert isinstance(buffer, HistoryBuffer)
        assert buffer.current() == pytest.approx(0.5)
        np.testing.assert_array_equal(
            loaded['message_hub']['runtime_info']['np_info'], np.arange(3))
    with pytest.raises(FileNotFoundError):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'missing.pth'))


def test_cpu_distributed(monkeypatch: pytest.MonkeyPatch,
                         tmp_path: Path) -> None:
    """Defect 3: mmengine's ``init_dist`` and default DDP wrapper need CUDA.

    ``adapt_cfg_for_device`` switches a CPU config to gloo and
    ``device_ids=None``; ``init_cpu_distributed('pytorch')`` starts a gloo
    group (checked in a torchrun-like subprocess).
    """
    from mmengine.config import Config

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    compat.adapt_cfg_for_device(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        device_ids=None)

    cfg = Config(dict(model_wrapper_cfg=dict(
        type='MMDistributedDataParallel', find_unused_parameters=True)))
    compat.adapt_cfg_for_device(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', find_unused_parameters=True,
        device_ids=None)

    custom = dict(type='MyModelWrapper', some_arg=1)
    cfg = Config(dict(model_wrapper_cfg=dict(custom)))
    compat.adapt_cfg_for_device(cfg)
    assert cfg.model_wrapper_cfg == custom

    assert compat.init_cpu_distributed('none') is False
    with pytest.raises(ValueError, match='pytorch'):
        compat.init_cpu_distributed('mpi')
    assert not torch.distributed.is_initialized()

    code = (
        'import torch.distributed as dist\n'
        'from vlalign.utils.compat import init_cpu_distributed\n'
        "assert init_cpu_distributed('pytorch', timeout_s=60) is True\n"
        "assert init_cpu_distributed('pytorch') is False\n"
        'print(dist.get_backend(), dist.get_world_size(), dist.get_rank())\n'
        'dist.destroy_process_group()\n')
    env = dict(os.environ, RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(_free_port()),
               CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1',
               PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == 'gloo 1 0'


def test_vlalign_config_scope(monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path) -> None:
    """Defect 5: mmengine resolves ``pkg::`` bases only for OpenMMLab
    packages, and ``get_installed_path`` misses a PEP 660 editable install.

    After ``import vlalign`` the scope is registered and every binding of
    ``get_installed_path`` mmengine calls answers the imported vlalign's
    folder, even when the distribution's location (here a site-packages
    holding only the dist-info, as setuptools' editable finder leaves it)
    has no ``vlalign`` folder; other packages get mmengine's answer.
    """
    import mmengine.config.config as config_module
    import mmengine.utils as mmengine_utils
    import mmengine.utils.package_utils as package_utils
    import pkg_resources
    from mmengine.config.utils import (MODULE2PACKAGE,
                                       _get_package_and_cfg_path)

    assert MODULE2PACKAGE['vlalign'] == 'vlalign'
    assert _get_package_and_cfg_path('vlalign::visece/x.py') == \
        ('vlalign', 'visece/x.py')
    root = os.path.dirname(vlalign.__file__)
    assert compat.VLALIGN_ROOT == root
    assert os.path.isdir(os.path.join(root, '.mim', 'configs', '_base_'))

    class EditableDist:  # what pkg_resources finds for ``pip install -e .``
        location = str(tmp_path)  # site-packages without a vlalign folder

        def has_metadata(self, name: str) -> bool:
            return name == 'top_level.txt'

        def get_metadata(self, name: str) -> str:
            return 'vlalign\n'

    real_get_distribution = pkg_resources.get_distribution
    monkeypatch.setattr(
        pkg_resources, 'get_distribution',
        lambda name: EditableDist() if name == 'vlalign'
        else real_get_distribution(name))
    stock = package_utils.get_installed_path._vlalign_wrapped
    assert stock('vlalign') == str(tmp_path / 'vlalign')  # the defect
    for module in (package_utils, mmengine_utils, config_module):
        assert module.get_installed_path('vlalign') == root
    import mmaction
    assert config_module.get_installed_path('mmaction') == \
        os.path.dirname(mmaction.__file__)

    compat.register_config_scope()  # idempotent: no double wrapping
    assert package_utils.get_installed_path._vlalign_wrapped is stock
