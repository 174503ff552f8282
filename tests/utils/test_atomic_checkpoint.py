"""``AtomicLocalBackend``: a failed save never truncates the final file."""
import os
from pathlib import Path

import pytest
import torch
from mmengine.fileio.backends import backends, prefix_to_backends
from mmengine.runner.checkpoint import save_checkpoint

from vlalign.utils import atomic_checkpoint
from vlalign.utils.atomic_checkpoint import (AtomicLocalBackend,
                                             patch_atomic_checkpoint_writes)


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    """The patch, undone after the test (the registries are global)."""
    monkeypatch.setitem(backends, 'local', backends['local'])
    monkeypatch.setitem(prefix_to_backends, '', prefix_to_backends[''])
    patch_atomic_checkpoint_writes()


def test_put_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / 'sub' / 'epoch_1.pth'
    AtomicLocalBackend().put(b'old', target)
    AtomicLocalBackend().put(b'new', target)
    assert target.read_bytes() == b'new'
    assert os.listdir(target.parent) == ['epoch_1.pth']


def test_failed_write_keeps_old_file(tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'complete old checkpoint')

    def crash(fd: int) -> None:  # the data is written, the rename is not
        raise KeyboardInterrupt('killed mid-save')

    monkeypatch.setattr(atomic_checkpoint.os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        AtomicLocalBackend().put(b'half', target)
    assert target.read_bytes() == b'complete old checkpoint'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_mmengine_save_checkpoint_goes_through_it(
        patched: None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert not patch_atomic_checkpoint_writes()  # idempotent
    calls = []
    put = AtomicLocalBackend.put

    def spy(self, obj: bytes, filepath: str) -> None:
        calls.append(filepath)
        put(self, obj, filepath)

    monkeypatch.setattr(AtomicLocalBackend, 'put', spy)
    path = tmp_path / 'epoch_2.pth'
    save_checkpoint(dict(meta=dict(epoch=2), state_dict={}), str(path))
    assert calls == [str(path)]
    assert torch.load(path, weights_only=False)['meta']['epoch'] == 2
