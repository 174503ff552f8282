"""atomic_path / atomic_open: the target appears whole or not at all."""
import os
import stat

import numpy as np
import pytest

from vlalign.utils.atomic_io import atomic_open, atomic_path


def test_writes_replace_the_target_with_the_usual_mode(tmp_path):
    target = tmp_path / 'sub' / 'labels.txt'
    with atomic_open(str(target), encoding='utf-8') as f:
        f.write('a\nb\n')
    assert target.read_text() == 'a\nb\n'
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert sorted(os.listdir(target.parent)) == ['labels.txt']


def test_temporary_name_keeps_the_extension(tmp_path):
    target = tmp_path / 'x.npy'
    with atomic_path(str(target)) as tmp:
        assert tmp.endswith('x.npy') and os.path.basename(tmp).startswith('.tmp_')
        np.save(tmp, np.arange(3))  # would add .npy to a name without it
    np.testing.assert_array_equal(np.load(target), np.arange(3))


def test_an_error_leaves_the_old_target_and_no_temporary_file(tmp_path):
    target = tmp_path / 'report.json'
    target.write_text('old')
    with pytest.raises(RuntimeError):
        with atomic_open(str(target)) as f:
            f.write('half')
            raise RuntimeError('writer failed')
    assert target.read_text() == 'old'
    assert os.listdir(tmp_path) == ['report.json']
