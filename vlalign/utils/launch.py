"""What tools/train.py and tools/test.py share: work_dir default, the
checkpoint an auto-resume starts from, and the runner."""
import os
import os.path as osp
import re
from contextlib import contextmanager
from typing import Iterator, List, NamedTuple, Optional, Tuple

from .errors import VlalignError


def resolve_work_dir(cfg, work_dir: Optional[str], config_path: str) -> None:
    """Set ``cfg.work_dir``: the CLI value, else the config's, else
    ``./work_dirs/<config stem>`` (mmaction2's rule)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


class CheckpointError(VlalignError, RuntimeError):
    """A checkpoint named on the command line cannot be loaded."""


class ResumeError(CheckpointError):
    """No checkpoint of a work dir can be loaded to resume from."""


_CKPT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


class ResumeChoice(NamedTuple):
    """What :func:`find_resumable_checkpoint` decided.

    Attributes:
        path (str | None): The checkpoint to resume from; None when the work
            dir holds no checkpoint at all (training starts afresh, as
            mmengine's auto-resume does).
        broken (list[tuple[str, str]]): Files tried that could not be loaded,
            newest first, each with the reason.
    """

    path: Optional[str]
    broken: List[Tuple[str, str]]


def _load_error(path: str, resume: bool = True) -> Optional[str]:
    """Why ``path`` is no resumable checkpoint (with ``resume=False``: no
    loadable weights), or None if it is one.

    Loads the whole file with the trusted local loader: a truncated or
    corrupt file only shows itself when unpickled, and a checkpoint we skip
    validating here would fail later inside the Runner with no fallback.
    """
    from .compat import load_from_trusted_local
    try:
        ckpt = load_from_trusted_local(path, map_location='cpu')
    except Exception as e:  # noqa: BLE001 - any failure means unloadable
        return f'{type(e).__name__}: {e}'[:300]
    if not resume and isinstance(ckpt, dict):
        return None  # mmengine also loads a bare state dict
    if not isinstance(ckpt, dict) or not {'meta', 'state_dict'} <= set(ckpt):
        return 'not an mmengine checkpoint (no "meta"/"state_dict")'
    return None


def check_checkpoint(path: str, resume: bool = False) -> None:
    """Fail before the Runner starts (and writes its work dir) if a local
    checkpoint named on the command line cannot be loaded.

    Args:
        path (str): The checkpoint; URLs (``'://'``) are left to mmengine.
        resume (bool): Also require the training state (``meta``).
            Defaults to ``False``.

    Raises:
        CheckpointError: Naming the file and why it cannot be loaded.
    """
    if '://' in path:
        return
    error = _load_error(path, resume=resume)
    if error is not None:
        raise CheckpointError(f'checkpoint {path} cannot be loaded: {error}')


def find_resumable_checkpoint(work_dir: str) -> ResumeChoice:
    """The checkpoint of ``work_dir`` an auto-resume should use: one that loads.

    Tries the file named by ``work_dir/last_checkpoint`` first (what
    mmengine's auto-resume uses, the last one completely saved), then ``epoch_*.pth`` and ``iter_*.pth`` from
    the highest number down (mtime breaks ties). ``best_*.pth`` files are
    never used: they lack the optimizer and scheduler state.

    Args:
        work_dir (str): The run's work directory.

    Returns:
        ResumeChoice: The file to resume from and the broken files tried.

    Raises:
        ResumeError: If the work dir names or holds checkpoints but
            none of them loads; the message names every file tried.
    """
    candidates: List[str] = []
    broken: List[Tuple[str, str]] = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8', errors='replace') as f:
            last = f.read().strip()
        # An empty pointer is what a kill while mmengine writes it leaves.
        if not last:
            broken.append((pointer, 'empty file'))
        elif not osp.isfile(last):
            broken.append((last, f'named by {pointer} but missing'))
        else:
            candidates.append(last)
    numbered = []
    for name in os.listdir(work_dir) if osp.isdir(work_dir) else []:
        match = _CKPT_NAME.match(name)
        path = osp.join(work_dir, name)
        if match and osp.isfile(path):
            numbered.append((int(match.group(2)), osp.getmtime(path), path))
    for _, _, path in sorted(numbered, reverse=True):
        if not any(osp.samefile(path, c) for c in candidates):
            candidates.append(path)

    for path in candidates:
        error = _load_error(path)
        if error is None:
            return ResumeChoice(path, broken)
        broken.append((path, error))
    if broken:
        tried = '\n'.join(f'  {p}: {why}' for p, why in broken)
        raise ResumeError(
            f'no checkpoint in {work_dir} can be loaded to resume from; '
            f'tried:\n{tried}')
    return ResumeChoice(None, broken)


def apply_auto_resume(cfg) -> Optional[str]:
    """Point ``--resume`` without a path at a loadable checkpoint.

    Sets ``cfg.resume`` and ``cfg.load_from`` to the newest loadable
    checkpoint of ``cfg.work_dir`` (:func:`find_resumable_checkpoint`), so a
    checkpoint truncated by a crash falls back to the previous one instead of
    failing the resume.

    Args:
        cfg (mmengine.Config): The config, modified in place.

    Returns:
        str | None: A warning naming the broken files and the one used, for
        the run's logger; None when nothing was skipped. With no checkpoint
        at all, ``cfg.load_from`` stays None and mmengine starts afresh.

    Raises:
        SystemExit: If checkpoints exist but none loads.
    """
    try:
        choice = find_resumable_checkpoint(cfg.work_dir)
    except ResumeError as e:
        raise SystemExit(f'error: {e}') from None
    from mmengine.runner import find_latest_checkpoint

    cfg.resume = True
    # When the choice is what mmengine's own auto-resume reads from
    # ``last_checkpoint``, leave ``load_from`` unset so its usual path (and
    # log line) is kept; otherwise name the file explicitly.
    if choice.path == find_latest_checkpoint(cfg.work_dir):
        cfg.load_from = None
    else:
        cfg.load_from = choice.path
    if choice.broken:
        skipped = '; '.join(f'{p} ({why})' for p, why in choice.broken)
        return f'Cannot resume from {skipped}. Resuming from the newest ' \
               f'loadable checkpoint {choice.path} instead.'
    if choice.path is not None and cfg.load_from is not None:
        return f'{osp.join(cfg.work_dir, "last_checkpoint")} is missing. ' \
               f'Resuming from the newest checkpoint {choice.path}.'
    return None


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


@contextmanager
def errors_as_exit(config_path: str) -> Iterator[None]:
    """Exit with one line for vlalign's errors and unknown config types.

    vlalign's errors already name the file and the field at fault, so their
    traceback adds nothing; mmengine's ``KeyError`` for a type no registry
    knows becomes the type, registry and closest registered names
    (:func:`vlalign.utils.registry_errors.explain_unknown_type`).

    Args:
        config_path (str): The config file, named in unknown-type messages.

    Raises:
        SystemExit: ``error: <message>`` for those errors; others propagate.
    """
    from .registry_errors import explain_unknown_type
    try:
        yield
    except VlalignError as e:
        raise SystemExit(f'error: {e}') from None
    except KeyError as e:
        message = explain_unknown_type(e)
        if message is None:
            raise
        raise SystemExit(f'error: {config_path}: {message}') from None


def finish_distributed() -> None:
    """Tear the process group down once every rank is done.

    Without it the gloo group is destroyed during interpreter shutdown,
    where its worker threads can still be joinable: the process then aborts
    ("terminate called without an active exception", exit -6) after a run
    that succeeded, and torchrun reports the launch as failed.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
