import pickle

import numpy as np
import pytest

from vlalign.classes import load_class_names
from vlalign.datasets import PoseTextDataset
from vlalign.utils.errors import DataError

PIPELINE = [dict(type='UniformSampleFrames', clip_len=4),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=1),
            dict(type='PackActionInputs')]


def write_pickle(path, labels):
    annos = []
    for i, label in enumerate(labels):
        annos.append(dict(frame_dir=f'v{i}', label=label, img_shape=(64, 64),
                          original_shape=(64, 64), total_frames=6,
                          keypoint=np.random.rand(1, 6, 17, 2).astype('float32'),
                          keypoint_score=np.ones((1, 6, 17), 'float32')))
    data = dict(split=dict(train=[a['frame_dir'] for a in annos]),
                annotations=annos)
    with open(path, 'wb') as f:
        pickle.dump(data, f)


@pytest.fixture
def files(tmp_path):
    classes = tmp_path / 'classes.txt'
    classes.write_text('jump up\nsit down\nwave\nclap\n')
    ann = tmp_path / 'ann.pkl'
    write_pickle(ann, [0, 1, 2, 3, 2, 1])
    return str(ann), str(classes)


def test_subset_keeps_and_relabels(files, tmp_path):
    ann, classes = files
    subset = tmp_path / 'unseen.txt'
    subset.write_text('clap\nsit down\n')
    ds = PoseTextDataset(ann, PIPELINE, class_file=classes,
                         class_subset=str(subset), split='train')
    assert ds.metainfo['classes'] == ('clap', 'sit down')
    assert sorted(ds.get_data_info(i)['label'] for i in range(len(ds))) == [0, 1, 1]
    sample = ds[0]
    assert sample['inputs'].shape[0] == 1
    full = PoseTextDataset(ann, PIPELINE, class_file=classes,
                           class_subset=['wave'])
    assert len(full) == 2 and full.metainfo['classes'] == ('wave', )


def test_label_outside_label_file_is_named(tmp_path):
    classes = tmp_path / 'classes.txt'
    classes.write_text('a\nb\n')
    ann = tmp_path / 'ann.pkl'
    write_pickle(ann, [0, 5])
    with pytest.raises(DataError, match=r'"v1": label 5 is out of range.*2 classes'):
        PoseTextDataset(str(ann), PIPELINE, class_file=str(classes))


def test_unknown_subset_name(files):
    ann, classes = files
    with pytest.raises(DataError, match='not in the label file'):
        PoseTextDataset(ann, PIPELINE, class_file=classes,
                        class_subset=['fly'])


@pytest.mark.parametrize('text,msg', [
    ('a\n\nb\n', r':2: empty class name'),
    ('a\nb\na\n', r':3: duplicate class name "a"'),
    ('\n', 'holds no class names'),
])
def test_bad_label_files(tmp_path, text, msg):
    path = tmp_path / 'labels.txt'
    path.write_text(text)
    with pytest.raises(DataError, match=msg):
        load_class_names(str(path))
    with pytest.raises(DataError, match='does not exist'):
        load_class_names(str(tmp_path / 'missing.txt'))
