"""What tools/train.py and tools/test.py share: work_dir default and runner."""
import os.path as osp
from typing import Optional


def resolve_work_dir(cfg, work_dir: Optional[str], config_path: str) -> None:
    """Set ``cfg.work_dir``: the CLI value, else the config's, else
    ``./work_dirs/<config stem>`` (mmaction2's rule)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


def build_runner(cfg, launcher: str):
    """Build mmengine's Runner (or ``cfg.runner_type``) for ``launcher``.

    Distributed launches on a CPU-only machine first get gloo and a DDP
    wrapper without device ids (:mod:`vlalign.utils.compat`).

    Raises:
        SystemExit: For a launcher a CPU-only machine cannot use.
    """
    from mmengine.runner import Runner

    from vlalign.registry import RUNNERS
    from .compat import adapt_cfg_for_device, init_cpu_distributed

    cfg.launcher = launcher
    if launcher != 'none':
        adapt_cfg_for_device(cfg)
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        try:
            init_cpu_distributed(launcher, timeout_s=timeout)
        except ValueError as e:
            raise SystemExit(f'error: {e}') from None
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
