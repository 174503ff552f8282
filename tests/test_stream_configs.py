"""The multi-stream CPU recipes (Penn Action, NW-UCLA; joint, bone and motion
streams) and the PACL Penn recipe: each loads, sets its stream and layout in
every pipeline, builds its model (tiny text encoder) and trains one step on
a sample its own train pipeline made from a synthetic annotation."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine import Config
from mmengine.dataset import pseudo_collate

from vlalign.registry import DATASETS, MODELS
from vlalign.testing import shrink_model_cfg

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STREAM_FEATS = dict(joint=['j'], bone=['b'], jm=['jm'], bm=['bm'])
PENN = dict(layout='penn13', num_joints=13, split='train')
UCLA = dict(layout='kinect_v1_20', num_joints=20, split='xview_train')
CONFIGS = {
    **{f'configs/visece/visece_stgcnpp-minilm_1xb32-u32-30e_penn-action-'
       f'{s}.py': dict(PENN, stream=s, model='Visece')
       for s in ('bone', 'jm', 'bm')},
    **{f'configs/visece/visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-'
       f'{s}.py': dict(UCLA, stream=s, model='Visece')
       for s in ('joint', 'bone', 'jm', 'bm')},
    'configs/pacl/pacl_stgcnpp-minilm_1xb32-u32-30e_penn-action-joint.py':
    dict(PENN, stream='joint', model='VisecePACL'),
}
CLASSES = ['jump rope', 'bench press', 'tennis serve']


def write_annotations(root, num_joints: int, split: str, num_frames: int = 40):
    """A PoseDataset pickle of 2 random 2D sequences, labels 0 and 1, and its
    label file."""
    rng = np.random.default_rng(0)
    annos = [
        dict(frame_dir=f'seq{i}', label=i, img_shape=(480, 640),
             original_shape=(480, 640), total_frames=num_frames,
             keypoint=rng.uniform(20, 460, (1, num_frames, num_joints,
                                            2)).astype(np.float32),
             keypoint_score=rng.uniform(0.5, 1, (1, num_frames,
                                                 num_joints)).astype(
                                                     np.float32))
        for i in range(2)
    ]
    ann_file = root / 'anno.pkl'
    with open(ann_file, 'wb') as f:
        pickle.dump(dict(split={split: ['seq0', 'seq1']}, annotations=annos),
                    f)
    class_file = root / 'classes.txt'
    class_file.write_text('\n'.join(CLASSES) + '\n')
    return str(ann_file), str(class_file)


def test_configs_exist():
    for path in CONFIGS:
        assert os.path.isfile(os.path.join(REPO, path)), path


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_stream_config(path, tmp_path):
    spec = CONFIGS[path]
    cfg = Config.fromfile(os.path.join(REPO, path))
    assert 'work_dir' not in cfg
    assert cfg.train_cfg.max_epochs == 30
    assert cfg.model.type == spec['model']
    assert cfg.model.video_encoder.backbone.graph_cfg.layout == spec['layout']

    # Every pipeline computes this stream on this layout.
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        feats = [t for t in pipeline if t.type == 'SkeletonFeatures']
        assert len(feats) == 1, loader
        assert feats[0].layout == spec['layout'], loader
        assert list(feats[0].feats) == STREAM_FEATS[spec['stream']], loader
    flips = [t for t in cfg.train_dataloader.dataset.pipeline
             if t.type == 'SkeletonFlip']
    assert [f.layout for f in flips] == [spec['layout']]

    # The train pipeline on a synthetic annotation with this joint count.
    ann_file, class_file = write_annotations(tmp_path, spec['num_joints'],
                                             spec['split'])
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.update(ann_file=ann_file, class_file=class_file)
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 2
    batch = [dataset[0], dataset[1]]
    # [K=1 clip, M=1 person, T=32 frames, V joints, 3 = (x, y, score)].
    assert batch[0]['inputs'].shape == (1, 1, 32, spec['num_joints'], 3)

    model_cfg = shrink_model_cfg(cfg.model)
    assert 'pretrained' not in model_cfg['text_encoder']
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.set_class_texts(dataset.metainfo['classes'])
    model.train()
    data = model.data_preprocessor(pseudo_collate(batch), training=True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    backbone = model.video_encoder.backbone
    assert any(p.grad is not None for p in backbone.parameters())


def test_pacl_widths_follow_stgcnpp_and_minilm():
    cfg = Config.fromfile(os.path.join(
        REPO, 'configs/pacl/'
        'pacl_stgcnpp-minilm_1xb32-u32-30e_penn-action-joint.py'))
    venc = cfg.model.video_encoder
    assert venc.out_channels is None and venc.in_channels == 128
    assert cfg.model.video_embedder.type == 'PACLEmbedder'
    assert cfg.model.video_embedder.in_channels == 128
    # The real text width (384) reaches the embedder through VisecePACL;
    # here a tiny one of 32 must do the same.
    model = MODELS.build(shrink_model_cfg(cfg.model))
    assert model.video_embedder.in_channels == 128
    assert model.video_embedder.out_channels == \
        model.text_encoder.out_channels == 32
