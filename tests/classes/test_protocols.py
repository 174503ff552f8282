"""The shipped zero-shot protocols: complete, disjoint, and the published lists."""
import json
import os.path as osp

import pytest

from vlalign.classes import list_protocols, load_class_names, load_protocol
from vlalign.classes.protocols import LABEL_ROOT, random_protocol
from vlalign.utils.errors import ConfigError, DataError

SHARED_SPLITS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))), 'shared', 'data', 'text', 'zsl_splits')

# 1-based NTU action ids of the SynSE unseen classes (skelemoa/synse-zsl).
SYNSE_55_5_UNSEEN = [11, 12, 20, 27, 57]
SYNSE_48_12_UNSEEN = [4, 6, 10, 13, 16, 41, 43, 48, 52, 57, 59, 60]


@pytest.mark.parametrize('name', list_protocols())
def test_protocol_covers_its_label_file_and_is_disjoint(name):
    p = load_protocol(name)
    labels = load_class_names(p.label_file)
    assert sorted(p.seen + p.unseen) == sorted(labels)
    assert not set(p.seen) & set(p.unseen)
    assert len(set(p.seen)) == len(p.seen)
    if p.val is not None:
        assert set(p.val) < set(p.seen)
    assert p.dataset and p.test_split and p.train_split
    assert p.meta['paper'] and p.meta['source'] and p.meta['license']


def test_every_published_split_is_shipped():
    expected = {'ntu60_synse_55-5', 'ntu60_synse_48-12',
                'ntu120_synse_110-10', 'ntu120_synse_96-24',
                'nw-ucla_purls_8-2', 'nw-ucla_purls_5-5'}
    assert expected <= set(list_protocols())


@pytest.mark.skipif(not osp.isdir(SHARED_SPLITS),
                    reason='shared data folder absent')
def test_shipped_lists_equal_the_published_files():
    pairs = {'ntu60/55_5': 'ntu60_synse_55-5', 'ntu60/48_12': 'ntu60_synse_48-12',
             'ntu120/110_10': 'ntu120_synse_110-10',
             'ntu120/96_24': 'ntu120_synse_96-24',
             'nw_ucla/8_2': 'nw-ucla_purls_8-2', 'nw_ucla/5_5': 'nw-ucla_purls_5-5'}
    for src, name in pairs.items():
        p = load_protocol(name)
        for kind in ('seen', 'unseen', 'val'):
            path = osp.join(SHARED_SPLITS, src, f'{kind}.txt')
            got = getattr(p, kind)
            if osp.isfile(path):
                assert list(got) == load_class_names(path), (name, kind)
            else:
                assert got is None


@pytest.mark.parametrize('name,ids', [('ntu60_synse_55-5', SYNSE_55_5_UNSEEN),
                                      ('ntu60_synse_48-12', SYNSE_48_12_UNSEEN)])
def test_synse_ntu60_unseen_lists(name, ids):
    ntu60 = load_class_names(osp.join(LABEL_ROOT, 'ntu60.txt'))
    assert sorted(load_protocol(name).unseen) == sorted(ntu60[i - 1] for i in ids)


def test_synse_55_5_names():
    assert set(load_protocol('ntu60_synse_55-5').unseen) == {
        'reading', 'writing', 'put on a hat/cap', 'jump up',
        "touch other person's pocket"}


def test_folder_protocol_and_its_errors(tmp_path):
    (tmp_path / 'seen.txt').write_text('a\nb\nc\n')
    (tmp_path / 'unseen.txt').write_text('d\n')
    p = load_protocol(str(tmp_path))
    assert p.seen == ('a', 'b', 'c') and p.unseen == ('d', ) and p.val is None
    assert p.label_file is None and p.split.classes == ('a', 'b', 'c', 'd')
    (tmp_path / 'val.txt').write_text('x\n')
    with pytest.raises(DataError, match=r"val.txt: validation classes \['x'\]"):
        load_protocol(str(tmp_path))
    (tmp_path / 'val.txt').write_text('a\n')
    (tmp_path / 'labels.txt').write_text('a\nb\nc\nd\ne\n')
    (tmp_path / 'protocol.json').write_text(json.dumps(dict(labels='labels.txt')))
    with pytest.raises(DataError, match=r"neither seen nor unseen \['e'\]"):
        load_protocol(str(tmp_path))
    (tmp_path / 'protocol.json').write_text(json.dumps(dict(labelz='x')))
    with pytest.raises(DataError, match=r"unknown keys \['labelz'\]"):
        load_protocol(str(tmp_path))
    (tmp_path / 'unseen.txt').write_text('a\n')
    with pytest.raises(DataError, match='both seen and unseen'):
        load_protocol(str(tmp_path))
    with pytest.raises(ConfigError, match='unknown zero-shot protocol "nope"'):
        load_protocol('nope')


def test_calibration_split_uses_val_when_published():
    p = load_protocol('ntu60_synse_55-5')
    cal = p.calibration_split(seed=3)
    assert set(cal.unseen) == set(p.val) and len(cal.seen) == 50
    assert set(cal.seen) | set(cal.unseen) == set(p.seen)
    assert not set(cal.classes) & set(p.unseen)  # no unseen class takes part
    assert cal == p.calibration_split(seed=4)  # val does not depend on seed
    with pytest.raises(ConfigError, match='--num-heldout applies only'):
        p.calibration_split(seed=0, num_heldout=3)


def test_calibration_split_draws_seen_classes_without_val():
    p = load_protocol('nw-ucla_purls_5-5')
    assert p.val is None and p.default_num_heldout() == 2  # round(5*5/10)
    assert load_protocol('nw-ucla_purls_8-2').default_num_heldout() == 2
    assert load_protocol('ntu60_synse_55-5').default_num_heldout() == 5
    cal = p.calibration_split(seed=0)
    assert len(cal.unseen) == 2 and set(cal.classes) == set(p.seen)
    assert cal == p.calibration_split(seed=0)
    assert any(p.calibration_split(seed=s) != cal for s in range(1, 6))
    assert len(p.calibration_split(seed=0, num_heldout=4).unseen) == 4
    for bad in (0, 5):
        with pytest.raises(ConfigError, match=r'--num-heldout must be in \[1, 4\]'):
            p.calibration_split(seed=0, num_heldout=bad)


def test_random_protocol_is_a_folder(tmp_path):
    labels = tmp_path / 'classes.txt'
    labels.write_text(''.join(f'{i}\tc{i}\n' for i in range(6)))
    p = random_protocol(str(tmp_path / 'p'), str(labels), 2, seed=1,
                        train_split='tr', test_split='te')
    assert len(p.unseen) == 2 and len(p.seen) == 4 and p.val is None
    assert p.train_split == 'tr' and p.test_split == 'te'
    again = load_protocol(str(tmp_path / 'p'))
    assert again == p and sorted(again.classes) == [f'c{i}' for i in range(6)]
    p.check_label_file(str(labels))
    # issue 17: the message names the option, and nothing is written
    with pytest.raises(ConfigError, match=r'--num-unseen must be in \[1, 4\] '
                       r'for the 6 classes of .*classes.txt.*got 30'):
        random_protocol(str(tmp_path / 'q'), str(labels), 30, seed=0)
    assert not (tmp_path / 'q').exists()
