import os
import sys

import pytest

from vlalign.classes.class_splits import (ClassSplit, heldout_calibration_split,
                                           load_class_split, random_class_split,
                                           save_class_names, save_class_split)
from vlalign.classes.label_map import load_class_names
from vlalign.utils.errors import ConfigError, DataError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CLASS_DATA = os.path.join(REPO_ROOT, 'vlalign', 'classes', 'data')
NTU60 = os.path.join(CLASS_DATA, 'labels', 'ntu60.txt')
SYNSE = os.path.join(CLASS_DATA, 'protocols', 'ntu60_synse_55-5',
                     'unseen.txt')
NAMES = [f'c{i}' for i in range(10)]


@pytest.fixture
def class_file(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('\n'.join(NAMES) + '\n')
    return str(path)


def test_synse_ntu60_split():
    split = load_class_split(NTU60, unseen_file=SYNSE)
    assert len(split.seen) == 55 and len(split.unseen) == 5
    assert split.unseen == ('reading', 'writing', 'put on a hat/cap',
                            'jump up', "touch other person's pocket")
    # The names are the 0-based labels 10, 11, 19, 26, 56 of the label map.
    ntu60 = load_class_names(NTU60)
    assert [ntu60.index(n) for n in split.unseen] == [10, 11, 19, 26, 56]
    assert split.seen == tuple(n for n in ntu60 if n not in split.unseen)
    # The citation lives in the protocol's metadata, beside the lists.
    from vlalign.classes.protocols import load_protocol
    protocol = load_protocol(os.path.dirname(SYNSE))
    assert 'SynSE' in protocol.meta['paper']
    assert 'ICIP 2021' in protocol.meta['paper']


def test_complement_in_label_file_order(class_file, tmp_path):
    unseen = tmp_path / 'unseen.txt'
    unseen.write_text('c7\nc2\n')
    split = load_class_split(class_file, unseen_file=str(unseen))
    assert split.unseen == ('c7', 'c2')  # the file's order
    assert split.seen == tuple(n for n in NAMES if n not in ('c2', 'c7'))
    seen = tmp_path / 'seen.txt'
    seen.write_text('c0\nc1\n')
    split = load_class_split(class_file, seen_file=str(seen))
    assert split.unseen == tuple(NAMES[2:])
    both = load_class_split(class_file, unseen_file=['c5'], seen_file=['c0'])
    assert both == ClassSplit(('c0', ), ('c5', ))


def test_split_errors_name_the_file(class_file, tmp_path):
    unseen = tmp_path / 'unseen.txt'
    unseen.write_text('c1\nfly\n')
    with pytest.raises(DataError, match=r'unseen\.txt: class names \[.fly.\] '
                       r'are not in the label file .*classes\.txt'):
        load_class_split(class_file, unseen_file=str(unseen))
    seen = tmp_path / 'seen.txt'
    seen.write_text('c1\nc2\n')
    with pytest.raises(DataError, match=r"\['c1'\] are both seen and unseen"):
        load_class_split(class_file, unseen_file=['c1'], seen_file=str(seen))
    with pytest.raises(DataError, match='missing.txt does not exist'):
        load_class_split(class_file, unseen_file=str(tmp_path / 'missing.txt'))
    with pytest.raises(ConfigError):
        load_class_split(class_file)
    # Everything unseen leaves no seen class.
    with pytest.raises(DataError, match='no seen classes'):
        load_class_split(class_file, unseen_file=NAMES)


def test_class_split_checks():
    with pytest.raises(DataError, match='no unseen'):
        ClassSplit(('a', ), ())
    with pytest.raises(DataError, match=r"repeat \['a'\]"):
        ClassSplit(('a', 'a'), ('b', ))
    with pytest.raises(DataError, match=r'x\.txt: .*both seen and unseen'):
        ClassSplit(('a', 'b'), ('b', ), source='x.txt')
    split = ClassSplit(['a', 'b'], ['c'])
    assert split.seen == ('a', 'b') and split.classes == ('a', 'b', 'c')
    assert split.seen_mask(['c', 'a', 'b']).tolist() == [False, True, True]
    with pytest.raises(DataError, match=r"\['c'\] are not in the label file"):
        split.check_classes(['a', 'b'], 'labels.txt')
    with pytest.raises(AttributeError):
        split.seen = ('x', )  # frozen


def test_random_split_seeded(class_file):
    a = random_class_split(class_file, 3, seed=0)
    b = random_class_split(NAMES, 3, seed=0)
    c = random_class_split(NAMES, 3, seed=1)
    assert a == b and a != c
    assert len(a.unseen) == 3 and len(a.seen) == 7
    # Label-file order, and the PCG64 stream pinned: a numpy change that
    # moved every published split would show here.
    assert a.unseen == ('c5', 'c6', 'c9')
    assert list(a.seen) == [n for n in NAMES if n not in a.unseen]
    for bad in (0, 10):
        with pytest.raises(ConfigError, match='num_unseen must be in'):
            random_class_split(class_file, bad, seed=0)


def test_heldout_calibration_split():
    seen = tuple(f's{i}' for i in range(8))
    train, held = heldout_calibration_split(seen, 3, seed=4)
    assert len(held) == 3 and set(train) | set(held) == set(seen)
    assert not set(train) & set(held)
    assert list(train) == [s for s in seen if s in train]  # order of `seen`
    assert heldout_calibration_split(seen, 3, seed=4) == (train, held)
    assert heldout_calibration_split(seen, 3, seed=5) != (train, held)


def test_save_class_split_atomic_roundtrip(class_file, tmp_path):
    split = random_class_split(class_file, 4, seed=2)
    out = tmp_path / 'out' / 'split'
    paths = save_class_split(split, str(out), prefix='ntu_')
    assert sorted(os.listdir(out)) == ['ntu_seen.txt', 'ntu_unseen.txt']
    assert load_class_split(class_file, unseen_file=paths['unseen'],
                            seen_file=paths['seen']) == split
    # Overwrite in place: no temporary file is left behind.
    save_class_split(random_class_split(class_file, 2, seed=3), str(out),
                     prefix='ntu_')
    assert sorted(os.listdir(out)) == ['ntu_seen.txt', 'ntu_unseen.txt']
    assert len(load_class_names(paths['unseen'])) == 2
    path = save_class_names(str(tmp_path / 'h.txt'), ['a', 'b'], header='src')
    assert open(path).read() == '# src\na\nb\n'
    assert load_class_names(path) == ['a', 'b']


def test_make_class_split_cli(class_file, tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools', 'data'))
    sys.modules.pop('make_class_split', None)
    import make_class_split
    out = tmp_path / 'split'
    assert make_class_split.main([class_file, str(out), '--num-unseen', '3',
                                  '--seed', '0', '--num-heldout', '2']) == 0
    printed = capsys.readouterr().out
    assert 'unseen (3)' in printed and 'heldout (2)' in printed
    assert sorted(os.listdir(out)) == ['heldout.txt', 'seen.txt',
                                       'train_seen.txt', 'unseen.txt']
    assert load_class_names(str(out / 'unseen.txt')) == ['c5', 'c6', 'c9']
    seen = load_class_names(str(out / 'seen.txt'))
    train = load_class_names(str(out / 'train_seen.txt'))
    held = load_class_names(str(out / 'heldout.txt'))
    assert sorted(train + held) == sorted(seen) and len(held) == 2
    assert make_class_split.main([class_file, str(out), '--num-unseen', '10',
                                  '--seed', '0']) == 2
    assert 'num_unseen must be in' in capsys.readouterr().err
