"""``find_resumable_checkpoint`` / ``apply_auto_resume`` on fake work dirs
(small ``torch.save`` dicts stand in for mmengine checkpoints)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from vlalign.utils.launch import (ResumeError, apply_auto_resume,
                                  find_resumable_checkpoint)


def _ckpt(path: Path, epoch: int) -> Path:
    torch.save(dict(meta=dict(epoch=epoch), state_dict={}), path)
    return path


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """epoch_1..3 (+ a best_ file), ``last_checkpoint`` -> epoch_3."""
    for epoch in (1, 2, 3):
        _ckpt(tmp_path / f'epoch_{epoch}.pth', epoch)
    _ckpt(tmp_path / 'best_acc_top1_epoch_3.pth', 3)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    return tmp_path


def test_healthy_keeps_mmengines_auto_resume(work: Path) -> None:
    choice = find_resumable_checkpoint(str(work))
    assert choice.path == str(work / 'epoch_3.pth') and not choice.broken
    cfg = Config(dict(work_dir=str(work)))
    assert apply_auto_resume(cfg) is None
    # mmengine reads last_checkpoint itself (and logs "Auto resumed ...")
    assert cfg.resume is True and cfg.load_from is None


def test_truncated_newest_falls_back_numerically(work: Path) -> None:
    _truncate(work / 'epoch_3.pth')
    _truncate(work / 'epoch_2.pth')
    cfg = Config(dict(work_dir=str(work)))
    warning = apply_auto_resume(cfg)
    assert cfg.load_from == str(work / 'epoch_1.pth')
    assert str(work / 'epoch_3.pth') in warning
    assert str(work / 'epoch_2.pth') in warning
    assert warning.endswith(f'{work / "epoch_1.pth"} instead.')


def test_empty_or_missing_pointer(work: Path) -> None:
    (work / 'last_checkpoint').write_text('')  # killed while writing it
    choice = find_resumable_checkpoint(str(work))
    assert choice.path == str(work / 'epoch_3.pth')
    assert choice.broken == [(str(work / 'last_checkpoint'), 'empty file')]
    (work / 'last_checkpoint').unlink()
    cfg = Config(dict(work_dir=str(work)))
    assert 'last_checkpoint is missing' in apply_auto_resume(cfg)
    assert cfg.load_from == str(work / 'epoch_3.pth')


def test_none_loadable_names_every_file(work: Path) -> None:
    for epoch in (1, 2, 3):
        _truncate(work / f'epoch_{epoch}.pth')
    with pytest.raises(ResumeError) as excinfo:
        find_resumable_checkpoint(str(work))
    for epoch in (1, 2, 3):
        assert str(work / f'epoch_{epoch}.pth') in str(excinfo.value)
    assert 'best_' not in str(excinfo.value)  # never a resume candidate
    with pytest.raises(SystemExit, match='error: no checkpoint'):
        apply_auto_resume(Config(dict(work_dir=str(work))))


def test_non_checkpoint_pickle_and_empty_dir(tmp_path: Path) -> None:
    torch.save([1, 2], tmp_path / 'iter_10.pth')
    with pytest.raises(ResumeError, match='not an mmengine checkpoint'):
        find_resumable_checkpoint(str(tmp_path))
    empty = tmp_path / 'empty'
    empty.mkdir()
    cfg = Config(dict(work_dir=str(empty)))
    assert apply_auto_resume(cfg) is None and cfg.load_from is None
