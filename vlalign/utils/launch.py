"""What tools/train.py and tools/test.py share: work_dir default and
checks, the checkpoint an auto-resume starts from, the work-dir lock, the
runner and the one-line exits."""
import datetime
import json
import os
import os.path as osp
import re
import shlex
import socket
import sys
from contextlib import contextmanager
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

from .errors import ConfigError, VlalignError


def resolve_work_dir(cfg, work_dir: Optional[str], config_path: str) -> None:
    """Set ``cfg.work_dir``: the CLI value, else the config's, else
    ``./work_dirs/<config stem>`` (mmaction2's rule)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


def check_output_path(path: str, option: str, is_dir: bool = False) -> None:
    """Fail before any work if an output cannot be written where asked.

    Args:
        path (str): The file (or folder, with ``is_dir``) to be written.
        option (str): The option that named it, for the message
            (``'--work-dir'``, ``'--out'``).
        is_dir (bool): ``path`` is a folder to create or reuse. Defaults to
            ``False`` (a file, which must not be a folder).

    Raises:
        ConfigError: If ``path`` (or a folder above it) is of the wrong kind.
    """
    if '://' in path:
        return
    kind = 'folder' if is_dir else 'file'
    if osp.exists(path):
        if is_dir != osp.isdir(path):
            actual = 'file' if is_dir else 'folder'
            raise ConfigError(f'{option} {path} is a {actual}, not a {kind}')
        target = path if is_dir else osp.dirname(osp.abspath(path))
        if not os.access(target, os.W_OK):
            raise ConfigError(f'{option} {path}: {target} is not writable')
        return
    # The nearest existing folder above is where it will be created.
    parent = osp.dirname(osp.abspath(path))
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise ConfigError(f'{option} {path}: {parent} is a file, not a folder')
    if not os.access(parent, os.W_OK):
        raise ConfigError(f'{option} {path}: {parent} is not writable')


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


def read_checkpoint_pointer(pointer: str) -> Tuple[Optional[str], str]:
    """The checkpoint path a ``last_checkpoint`` file names.

    mmengine reads it as text and fails with a raw ``UnicodeDecodeError`` (or
    ``ValueError: embedded null byte``) when it holds anything else.

    Returns:
        tuple[str | None, str]: The path and ``''``; or None and why the
        file names no checkpoint.
    """
    with open(pointer, 'rb') as f:
        data = f.read(4097)
    try:
        text = data.decode('utf-8').strip()
    except UnicodeDecodeError:
        return None, 'not a text file naming a checkpoint'
    # An empty pointer is what a kill while mmengine writes it leaves.
    if not text:
        return None, 'empty file'
    if len(data) > 4096 or '\n' in text or not text.isprintable():
        return None, 'not a text file naming a checkpoint'
    return text, ''


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
        last, why = read_checkpoint_pointer(pointer)
        if last is None:
            broken.append((pointer, why))
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
    pointer = osp.join(cfg.work_dir, 'last_checkpoint')
    latest = read_checkpoint_pointer(pointer)[0] if osp.isfile(pointer) \
        else None

    cfg.resume = True
    # When the choice is what mmengine's own auto-resume reads from
    # ``last_checkpoint``, leave ``load_from`` unset so its usual path (and
    # log line) is kept; otherwise name the file explicitly.
    if choice.path is not None and choice.path == latest:
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


# ------------------------------------------------------------ work-dir lock
LOCK_NAME = '.train.lock'


class WorkDirBusyError(VlalignError, RuntimeError):
    """Another training holds the lock on a work dir."""


def launch_rank() -> int:
    """This process's global rank as its launcher sets it, before any
    process group exists (torchrun ``RANK``, slurm ``SLURM_PROCID``, Open
    MPI ``OMPI_COMM_WORLD_RANK``); 0 for a single process."""
    for var in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        if os.environ.get(var, '').isdigit():
            return int(os.environ[var])
    return 0


class WorkDirLock:
    """An exclusive ``flock`` on ``<work_dir>/.train.lock`` for one training.

    Two trainings in one work dir overwrite each other's checkpoints, best
    file, ``last_checkpoint`` and config; a resume while the first still runs
    does the same. The lock is taken by the launch's rank 0 only (every rank
    of a distributed run shares the work dir; the others wait for rank 0 in
    the process-group rendezvous, so a refused rank 0 ends the whole launch)
    and released by the kernel when the process ends, crash or SIGKILL
    included: a stale file never blocks. The file holds the holder's pid,
    host, command and start time for the message of the one refused.

    Args:
        work_dir (str): The run's work dir (created if missing).
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_NAME)
        self._fd: Optional[int] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock or fail at once.

        Raises:
            WorkDirBusyError: Naming the work dir and the holder.
        """
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock (documented)
            return self
        os.makedirs(self.work_dir, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _describe_holder(fd)
            os.close(fd)
            raise WorkDirBusyError(
                f'work dir {self.work_dir} is in use by another training '
                f'({holder}); wait for it to end, or give another '
                '--work-dir') from None
        info = dict(pid=os.getpid(), host=socket.gethostname(),
                    command=shlex.join([sys.executable] + sys.argv),
                    started=datetime.datetime.now().isoformat(
                        sep=' ', timespec='seconds'))
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(info) + '\n').encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Drop the lock (the file stays; an unlocked file is no lock)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor unlocks
            self._fd = None

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _describe_holder(fd: int) -> str:
    """``pid P on HOST, started T: COMMAND`` from a lock file's content."""
    try:
        info = json.loads(os.pread(fd, 65536, 0).decode() or '{}')
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or 'pid' not in info:
        return 'a process that is starting up'
    return (f'pid {info.get("pid")} on {info.get("host", "?")}, started '
            f'{info.get("started", "?")}: {info.get("command", "?")}')


@contextmanager
def work_dir_lock(work_dir: str) -> Iterator[Optional[WorkDirLock]]:
    """:class:`WorkDirLock` on rank 0 of a launch; nothing on other ranks.

    Raises:
        WorkDirBusyError: If another training holds the work dir.
    """
    if launch_rank() != 0:
        yield None
        return
    with WorkDirLock(work_dir) as lock:
        yield lock


# ------------------------------------------------------------- interrupts
def resume_command(argv: Sequence[str], script: str = 'tools/train.py') -> str:
    """The command line that resumes the run started with ``argv``: the
    same arguments, an earlier ``--resume [CKPT]`` replaced by ``--resume``
    (the work dir's latest checkpoint)."""
    args: List[str] = []
    skip_value = False
    for arg in argv:
        if skip_value:
            skip_value = False
            if not arg.startswith('-'):
                continue
        if arg == '--resume':
            skip_value = True
            continue
        if arg.startswith('--resume='):
            continue
        args.append(arg)
    return shlex.join(['python', script] + args + ['--resume'])


def interrupted_message(work_dir: str, argv: Sequence[str]) -> str:
    """One line for a training stopped with Ctrl-C: what was kept and how to
    go on."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    last = read_checkpoint_pointer(pointer)[0] if osp.isfile(pointer) \
        else None
    if last is None or not osp.isfile(last):
        return ('error: interrupted (Ctrl-C) before the first checkpoint of '
                f'{work_dir}; run the same command again to start afresh')
    return (f'error: interrupted (Ctrl-C); the run can be resumed from '
            f'{last}: {resume_command(argv)}')
