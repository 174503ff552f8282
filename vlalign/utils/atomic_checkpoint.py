"""Atomic local file writes for mmengine, so a crash never truncates a
checkpoint under its final name.

mmengine's ``CheckpointHook`` saves through ``Runner.save_checkpoint`` ->
``mmengine.runner.checkpoint.save_checkpoint``, which serialises to memory
and hands the bytes to the file backend's ``put``. ``LocalBackend.put`` opens
the final path with ``'wb'`` and writes: a process killed during the write
leaves a truncated ``epoch_N.pth`` that ``--resume`` cannot load.
:class:`AtomicLocalBackend` writes to a temporary file in the same directory,
flushes and fsyncs it, then ``os.replace``-s it onto the final name (atomic
on POSIX and Windows), so readers see the old file or the complete new one.

:func:`patch_atomic_checkpoint_writes` registers it as mmengine's local
backend (``register_backend(..., force=True)``, mmengine's own extension
point); ``get_file_backend`` builds a new backend per call unless asked for a
singleton, so every later save uses it. Writes through the legacy
``file_client_args`` path (``FileClient``) are not covered.
"""
import os
import os.path as osp
import uuid
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` is atomic.

    Only ``put`` (bytes, which checkpoints use) changes; reads, text writes
    and the rest behave as ``LocalBackend``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically.

        The temporary file lives next to the target (``os.replace`` cannot
        cross file systems) under a unique hidden name, is created with the
        usual permissions (``open``, unlike ``mkstemp``'s 0600), and is
        removed if writing fails.

        Args:
            obj (bytes): Data to be written.
            filepath (str | Path): Path to write data.
        """
        filepath = os.fspath(filepath)
        dirname = osp.dirname(filepath) or '.'
        os.makedirs(dirname, exist_ok=True)
        tmp = osp.join(dirname,
                       f'.{osp.basename(filepath)}.{uuid.uuid4().hex}.tmp')
        try:
            with open(tmp, 'xb') as f:
                f.write(obj)
                f.flush()
                # The data must be on disk before the rename makes it
                # visible, or a power loss could still expose a short file.
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise


def patch_atomic_checkpoint_writes() -> bool:
    """Register :class:`AtomicLocalBackend` for local paths (idempotent).

    Returns:
        bool: Whether this call changed the registration.
    """
    from mmengine.fileio.backends import backends, prefix_to_backends
    if backends.get('local') is AtomicLocalBackend and \
            prefix_to_backends.get('') is AtomicLocalBackend:
        return False
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    return True
