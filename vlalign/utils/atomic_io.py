"""Atomic file writes: a reader never sees a half-written output.

Every data file, label file, plot and report vlalign writes goes through
:func:`atomic_path` (or :func:`atomic_open`): the bytes go to a temporary
file in the target's folder (``os.replace`` is atomic only within one
filesystem), are fsynced, get the mode a plain ``open`` would give, and
replace the target only when the writer finished without error; otherwise
the temporary file is removed and the target is left as it was. After a
SIGKILL a hidden ``.tmp_*`` file may stay behind, never a partial target.
Checkpoints use the same idea inside mmengine's file backend
(:mod:`vlalign.utils.atomic_checkpoint`).
"""
import os
import tempfile
from contextlib import contextmanager
from typing import IO, Iterator


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path to write; it becomes ``path`` on success.

    The temporary name is hidden (``.tmp_``) and ends with ``path``'s file
    name, so writers that add or check an extension (``np.save``,
    ``savefig``, h5py) behave as for ``path``. Missing folders are created.

    Args:
        path (str): The final file.

    Yields:
        str: The temporary file's path (not yet created).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_',
                               suffix=os.path.basename(path))
    os.close(fd)
    try:
        yield tmp
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the usual mode.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


@contextmanager
def atomic_open(path: str, mode: str = 'w', **kwargs) -> Iterator[IO]:
    """``open(path, mode, **kwargs)``, atomically (see :func:`atomic_path`).

    Args:
        path (str): The final file.
        mode (str): A writing mode (``'w'``, ``'wb'``). Defaults to ``'w'``.
        **kwargs: Passed to :func:`open` (``encoding``, ``newline``).

    Yields:
        file: Open on the temporary file; closed before it replaces ``path``.
    """
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f
