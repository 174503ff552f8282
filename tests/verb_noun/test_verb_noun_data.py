"""EPIC-100 annotation files, the generated demo data and the dataset."""
import csv
from pathlib import Path

import numpy as np
import pytest

from vlalign.data_prep.writers import (write_epic_annotations,
                                       write_epic_classes)
from vlalign.datasets import (EPIC_100_COLUMNS, EpicSegment,
                              EpicVerbNounDataset, load_epic_annotations,
                              load_epic_classes)
from vlalign.data_prep.demo.epic_features import generate_epic_demo
from vlalign.datasets.epic_kitchens import epic_key_to_text
from vlalign.datasets.verb_noun_dataset import sample_segment_rows
from vlalign.utils.errors import ConfigError, DataError

# The first data row of the published EPIC_100_train.csv.
PUBLISHED_HEADER = ('narration_id,participant_id,video_id,narration_timestamp,'
                    'start_timestamp,stop_timestamp,start_frame,stop_frame,'
                    'narration,verb,verb_class,noun,noun_class,all_nouns,'
                    'all_noun_classes')
PUBLISHED_ROW = ("P01_01_0,P01,P01_01,00:00:01.089,00:00:00.14,00:00:03.37,8,"
                 "202,open door,open,3,door,8,['door'],[8]")


def test_reads_the_published_row(tmp_path: Path) -> None:
    path = tmp_path / 'EPIC_100_train.csv'
    path.write_text(PUBLISHED_HEADER + '\n' + PUBLISHED_ROW + '\n')
    assert ','.join(EPIC_100_COLUMNS) == PUBLISHED_HEADER
    (seg, ) = load_epic_annotations(str(path))
    assert seg == EpicSegment(
        narration_id='P01_01_0', participant_id='P01', video_id='P01_01',
        start_frame=8, stop_frame=202, verb_class=3, noun_class=8,
        verb='open', noun='door', narration='open door',
        start_timestamp='00:00:00.14', stop_timestamp='00:00:03.37')


def test_write_then_read_round_trip_with_published_header(
        tmp_path: Path) -> None:
    segs = [EpicSegment('P02_03_0', 'P02', 'P02_03', 120, 300, 5, 17,
                        'cut', 'board:chopping'),
            EpicSegment('P02_03_1', 'P02', 'P02_03', 330, 331, 0, 0,
                        'take', 'tap')]
    path = write_epic_annotations(str(tmp_path / 'a.csv'), segs)
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == EPIC_100_COLUMNS
    # timestamps from 60 fps frame numbers; list columns as Python literals
    assert rows[1][4:6] == ['00:00:02.00', '00:00:05.00']
    assert rows[1][13:] == ["['board:chopping']", '[17]']
    back = load_epic_annotations(path)
    assert [(s.narration_id, s.start_frame, s.stop_frame, s.verb_class,
             s.noun_class, s.noun) for s in back] == [
        ('P02_03_0', 120, 300, 5, 17, 'board:chopping'),
        ('P02_03_1', 330, 331, 0, 0, 'tap')]
    assert not list(tmp_path.glob('.tmp_*'))  # atomic write leaves nothing


def test_test_set_file_without_classes_gives_minus_one(tmp_path: Path) -> None:
    path = tmp_path / 'EPIC_100_test_timestamps.csv'
    path.write_text('narration_id,participant_id,video_id,start_timestamp,'
                    'stop_timestamp,start_frame,stop_frame\n'
                    'P01_11_0,P01,P01_11,00:00:00.00,00:00:01.00,0,60\n')
    (seg, ) = load_epic_annotations(str(path))
    assert (seg.verb_class, seg.noun_class, seg.labelled) == (-1, -1, False)


@pytest.mark.parametrize('column,value,message', [
    ('verb_class', 'x', 'row P01_01_0: column "verb_class" must be an '
     'integer'),
    ('noun_class', '-2', 'row P01_01_0: column "noun_class" must be >= 0'),
    ('stop_frame', '4', 'row P01_01_0: column "stop_frame" (4) is before '
     'start_frame (8)'),
])
def test_bad_values_name_file_row_and_column(tmp_path: Path, column: str,
                                             value: str, message: str) -> None:
    row = dict(zip(EPIC_100_COLUMNS, next(csv.reader([PUBLISHED_ROW]))))
    row[column] = value
    path = tmp_path / 'bad.csv'
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, EPIC_100_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    with pytest.raises(DataError, match=str(path)) as err:
        load_epic_annotations(str(path))
    assert message in str(err.value)


def test_missing_column_and_duplicate_id(tmp_path: Path) -> None:
    path = tmp_path / 'a.csv'
    path.write_text('narration_id,participant_id,video_id,start_frame\n'
                    'x,P01,P01_01,3\n')
    with pytest.raises(DataError, match=r"missing required columns "
                                        r"\['stop_frame'\]"):
        load_epic_annotations(str(path))
    path.write_text(PUBLISHED_HEADER + '\n' + PUBLISHED_ROW + '\n'
                    + PUBLISHED_ROW + '\n')
    with pytest.raises(DataError, match='row P01_01_0: duplicate'):
        load_epic_annotations(str(path))


def test_class_files(tmp_path: Path) -> None:
    path = write_epic_classes(str(tmp_path / 'verbs.csv'),
                              ['take', 'put', 'turn-on'])
    assert open(path).readline().strip() == 'id,key,instances,category'
    assert load_epic_classes(path) == ['take', 'put', 'turn-on']
    # published files list ids in order; a gap is an error
    (tmp_path / 'gap.csv').write_text(
        'id,key,instances,category\n0,tap,"[\'tap\']",appliances\n'
        '2,plate,"[\'plate\']",crockery\n')
    with pytest.raises(DataError, match=r'ids must be 0\.\.1; missing \[1\]'):
        load_epic_classes(str(tmp_path / 'gap.csv'))
    assert epic_key_to_text('board:chopping') == 'chopping board'
    assert epic_key_to_text('turn-on') == 'turn on'


def test_sample_segment_rows_by_hand() -> None:
    # 8 rows [10, 17] in 4 bins of 2: centres at 1, 3, 5, 7 -> 11, 13, 15, 17
    assert sample_segment_rows(10, 17, 4).tolist() == [11, 13, 15, 17]
    # shorter than the sample count: rows repeat
    assert sample_segment_rows(5, 6, 4).tolist() == [5, 5, 6, 6]
    rng = np.random.default_rng(0)
    for _ in range(20):
        rows = sample_segment_rows(10, 17, 4, random=True, rng=rng)
        # one row from each bin [10,11], [12,13], [14,15], [16,17]
        assert ((rows - 10) // 2).tolist() == [0, 1, 2, 3]


def test_generator_is_deterministic_and_follows_the_format(
        tmp_path: Path) -> None:
    a = generate_epic_demo(str(tmp_path / 'a'), segments_per_video=5, seed=3)
    b = generate_epic_demo(str(tmp_path / 'b'), segments_per_video=5, seed=3)
    for key in ('train_file', 'val_file', 'verb_class_file',
                'noun_class_file'):
        assert Path(a[key]).read_text() == Path(b[key]).read_text()
    np.testing.assert_array_equal(
        np.load(Path(a['features']) / 'P01_01.npy'),
        np.load(Path(b['features']) / 'P01_01.npy'))
    train = load_epic_annotations(a['train_file'])
    val = load_epic_annotations(a['val_file'])
    assert len(train) == 3 * 2 * 5 and len(val) == 2 * 5
    # validation: a new video of a seen participant and an unseen one
    assert {s.participant_id for s in train} == {'P01', 'P02', 'P03'}
    assert {s.video_id for s in val} == {'P01_03', 'P04_01'}
    assert load_epic_classes(a['verb_class_file'])[:4] == [
        'take', 'put', 'open', 'close']
    # 97/300 EPIC-100 sizes work too
    c = generate_epic_demo(str(tmp_path / 'c'), num_verbs=97, num_nouns=300,
                           segments_per_video=2)
    assert len(load_epic_classes(c['noun_class_file'])) == 300


def test_dataset_npy_and_hdf5_give_the_same_clips(tmp_path: Path) -> None:
    kw = dict(segments_per_video=4, seed=1)
    npy = generate_epic_demo(str(tmp_path / 'npy'), **kw)
    h5 = generate_epic_demo(str(tmp_path / 'h5'), feature_format='hdf5', **kw)
    common = dict(verb_class_file=npy['verb_class_file'],
                  noun_class_file=npy['noun_class_file'], num_frames=8,
                  feature_fps=10.0, test_mode=True)
    d1 = EpicVerbNounDataset(npy['val_file'], feature_dir=npy['features'],
                             **common)
    d2 = EpicVerbNounDataset(h5['val_file'], feature_file=h5['features'],
                             **common)
    assert len(d1) == len(d2) == 8
    assert d1.metainfo['verb_classes'][:2] == ('take', 'put')
    segs = load_epic_annotations(npy['val_file'])
    for i in (0, 5):
        x1, x2 = d1[i], d2[i]
        assert x1['inputs'].shape == (8, 32)
        np.testing.assert_allclose(x1['inputs'].numpy(),
                                   x2['inputs'].numpy())
        sample = x1['data_samples']
        assert int(sample.gt_verb) == segs[i].verb_class
        assert int(sample.gt_noun) == segs[i].noun_class
        # frame numbers (60 fps) -> rows at 10 rows/s
        first, last = segs[i].start_frame // 6, segs[i].stop_frame // 6
        expected = sample_segment_rows(first, last, 8)
        assert sample.frame_inds.tolist() == expected.tolist()
        feats = np.load(Path(npy['features']) / f'{segs[i].video_id}.npy')
        np.testing.assert_allclose(x1['inputs'].numpy(), feats[expected])


def test_dataset_errors_name_the_segment(tmp_path: Path) -> None:
    demo = generate_epic_demo(str(tmp_path / 'd'), segments_per_video=3)
    segs = load_epic_annotations(demo['train_file'])
    bad = tmp_path / 'bad.csv'
    import dataclasses
    write_epic_annotations(str(bad), [dataclasses.replace(
        segs[0], video_id='P09_01')] + segs[1:])
    with pytest.raises(DataError, match=r'row P01_01_0: column "video_id": '
                                        r'no features for "P09_01"'):
        EpicVerbNounDataset(str(bad), feature_dir=demo['features'],
                            feature_fps=10.0)
    write_epic_annotations(str(bad), [dataclasses.replace(
        segs[0], verb_class=8)] + segs[1:])
    with pytest.raises(DataError, match=r'row P01_01_0: column "verb_class" '
                                        r'is 8, outside the 8 classes'):
        EpicVerbNounDataset(str(bad), feature_dir=demo['features'],
                            verb_class_file=demo['verb_class_file'],
                            feature_fps=10.0)
    # one row per frame: the 60 fps frame numbers run past the 10/s rows
    with pytest.raises(DataError, match='past the .* feature rows'):
        EpicVerbNounDataset(demo['train_file'], feature_dir=demo['features'])
    with pytest.raises(ConfigError, match='exactly one of'):
        EpicVerbNounDataset(demo['train_file'])
    with pytest.raises(ConfigError, match='features are 32-d but '
                                          'feature_dim is 64'):
        EpicVerbNounDataset(demo['train_file'], feature_dir=demo['features'],
                            feature_fps=10.0, feature_dim=64)


def test_generator_cli_writes_hdf5(tmp_path: Path, monkeypatch,
                                   capsys) -> None:
    import importlib.util
    import sys
    from vlalign.datasets import FeatureStore
    path = Path(__file__).resolve().parents[2] / 'tools' / 'data' / \
        'generate_epic_demo.py'
    spec = importlib.util.spec_from_file_location('_gen_epic_demo', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'epic'
    monkeypatch.setattr(sys, 'argv', [
        str(path), '--out-dir', str(out), '--segments-per-video', '3',
        '--feature-format', 'hdf5', '--feature-dim', '16'])
    tool.main()
    assert 'Wrote 18 train and 6 validation segments' in capsys.readouterr().out
    store = FeatureStore(str(out / 'features.h5'))
    assert store.dim == 16 and 'P04_01' in store.keys
    assert len(load_epic_annotations(str(out / 'EPIC_100_train.csv'))) == 18
