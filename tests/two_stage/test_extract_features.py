"""tools/extract_features.py's logic on a tiny RecognizerGCN: the published
layout with global labels, per-frame features, resume and its guard."""
import json
import os
import pickle

import numpy as np
import pytest
import torch

from vlalign.apis.feature_extraction import extract_features
from vlalign.classes.label_map import save_class_names
from vlalign.datasets import load_zsl_features
from vlalign.utils.errors import ConfigError

CLASSES = ['clap', 'jump', 'kick', 'wave']
CONFIG = '''
default_scope = 'vlalign'
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='STGCN', graph_cfg=dict(layout='coco', mode='spatial'),
                  in_channels=3, base_channels=8, num_stages=2,
                  inflate_stages=[], down_stages=[]),
    cls_head=dict(type='GCNHead', num_classes=3, in_channels=8))
pipeline = [
    dict(type='UniformSampleFrames', clip_len=8, num_clips=2, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')]
test_dataloader = dict(batch_size=4, dataset=dict(
    type='PoseTextDataset', ann_file={ann!r}, class_file={classes!r},
    split='test', pipeline=pipeline, test_mode=True))
'''


@pytest.fixture()
def setup(tmp_path):
    rng = np.random.default_rng(0)
    annos = [dict(frame_dir=f's{i}', label=i % 4, total_frames=10,
                  img_shape=(64, 64), original_shape=(64, 64),
                  keypoint=rng.random((1, 10, 17, 2)).astype(np.float32) * 64,
                  keypoint_score=np.ones((1, 10, 17), np.float32))
             for i in range(16)]
    split = dict(train=[f's{i}' for i in range(8)],
                 test=[f's{i}' for i in range(8, 16)])
    ann = tmp_path / 'poses.pkl'
    pickle.dump(dict(split=split, annotations=annos), open(ann, 'wb'))
    save_class_names(str(tmp_path / 'classes.txt'), CLASSES)
    proto = tmp_path / 'protocol'
    save_class_names(str(proto / 'seen.txt'), ['clap', 'kick', 'wave'])
    save_class_names(str(proto / 'unseen.txt'), ['jump'])
    save_class_names(str(proto / 'labels.txt'), CLASSES)
    json.dump(dict(labels='labels.txt', train_split='train',
                   test_split='test'), open(proto / 'protocol.json', 'w'))
    cfg = tmp_path / 'tiny.py'
    cfg.write_text(CONFIG.format(ann=str(ann),
                                 classes=str(tmp_path / 'classes.txt')))
    from vlalign.apis.inference import init_recognizer
    model = init_recognizer(str(cfg))
    ckpt = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return dict(cfg=str(cfg), ckpt=str(ckpt), proto=str(proto),
                out=str(tmp_path / 'features'))


def test_published_layout_with_global_labels(setup):
    meta = extract_features(setup['cfg'], setup['ckpt'], setup['proto'],
                            setup['out'], frames=True, chunk_size=3,
                            log=lambda m: None)
    data = load_zsl_features(setup['out'], frames=True, num_classes=4)
    train, z, g = (data.splits[s] for s in ('train', 'ztest', 'gtest'))
    # train: the 6 seen-class samples of the train split (labels 0, 2, 3).
    assert sorted(set(train.labels.tolist())) == [0, 2, 3]
    assert len(train.labels) == 6 and train.features.shape == (6, 8)
    assert set(z.labels.tolist()) == {1} and len(g.labels) == 8
    assert train.frames.shape[:2] == (6, 8)  # T' = 8: no down stages
    np.testing.assert_allclose(train.frames.mean(1), train.features,
                               rtol=1e-5, atol=1e-6)
    assert meta['splits']['gtest']['samples'] == 8
    assert not os.path.exists(os.path.join(setup['out'], '.partial'))


def test_resume_reuses_chunks_and_refuses_others(setup):
    part = os.path.join(setup['out'], '.partial')
    os.makedirs(part)
    with open(os.path.join(part, 'fingerprint.txt'), 'w') as f:
        f.write('another run')
    with pytest.raises(ConfigError, match='another config'):
        extract_features(setup['cfg'], setup['ckpt'], setup['proto'],
                         setup['out'], log=lambda m: None)
    os.remove(os.path.join(part, 'fingerprint.txt'))
    first = extract_features(setup['cfg'], setup['ckpt'], setup['proto'],
                             setup['out'], splits=['gtest'],
                             log=lambda m: None)
    g1 = np.load(os.path.join(setup['out'], 'gtest.npy'))
    extract_features(setup['cfg'], setup['ckpt'], setup['proto'],
                     setup['out'], splits=['gtest'], log=lambda m: None)
    np.testing.assert_array_equal(np.load(os.path.join(setup['out'],
                                                       'gtest.npy')), g1)
    assert first['splits']['gtest']['shape'] == [8, 8]
