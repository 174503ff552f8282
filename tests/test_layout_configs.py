"""Layouts from configs: a recipe names its skeleton layout once, in its data
config, and the pipelines, BodyFrame3D and the backbone's graph follow.

The NW-UCLA recipes are copied with one line of their data config changed:
the layout becomes a dict of Kinect v1's joints stored head first. They then
build and train a step on head-first data, and give exactly what the shipped
recipes give on the same data in the standard order.
"""
import os
import random
import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import torch
from mmengine import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper

from vlalign.registry import DATASETS, MODELS
from vlalign.structures import (LAYOUTS, get_layout, joint_permutation,
                                reorder_layout)
from vlalign.testing import shrink_model_cfg
from vlalign.utils.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
UCLA_DATA = 'configs/_base_/datasets/nw_ucla_xview_joint.py'
UCLA_RECIPE = 'configs/visece/visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-'
UCLA_STREAMS = ('joint', 'bone', 'jm', 'bm', 'joint3d')
KINECT = LAYOUTS['kinect_v1_20']
HEAD_FIRST = ('head', 'shoulder_center', 'spine', 'hip_center') + \
    KINECT.joints[4:]
HEAD_FIRST_CFG = reorder_layout(KINECT, HEAD_FIRST,
                                'kinect_v1_20_head_first').to_config()
# Standard-order arrays -> head-first arrays (take along the joint axis).
TO_HEAD_FIRST = joint_permutation(KINECT.joints, HEAD_FIRST_CFG)
LAYOUT_TRANSFORMS = ('SkeletonFeatures', 'SkeletonFlip', 'BodyFrame3D',
                     'FastGeneratePoseTarget')
CLASSES = ['pick up with one hand', 'drop trash', 'sit down']


@pytest.fixture(scope='module')
def head_first_configs(tmp_path_factory) -> Path:
    """A copy of configs/ whose NW-UCLA data config names the head-first
    layout dict: the only line changed."""
    root = tmp_path_factory.mktemp('layout_dict')
    shutil.copytree(REPO / 'configs', root / 'configs')
    data = root / UCLA_DATA
    text = data.read_text()
    line = "layout = 'kinect_v1_20'\n"
    assert text.count(line) == 1
    data.write_text(text.replace(line, f'layout = {HEAD_FIRST_CFG!r}\n'))
    return root


def layouts_of(cfg: Config) -> List:
    """Every layout a config names: pipelines of all loaders, the graph."""
    found = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        while 'pipeline' not in dataset:  # wrappers: RepeatDataset, ...
            dataset = dataset.dataset
        found += [t.layout for t in dataset.pipeline
                  if t.type in LAYOUT_TRANSFORMS and 'layout' in t]
    backbone = cfg.model.get('video_encoder', {}).get('backbone', {})
    if backbone.get('graph_cfg') is not None:
        found.append(backbone.graph_cfg.get('layout'))
    return found


@pytest.mark.parametrize('stream', UCLA_STREAMS)
def test_one_line_changes_every_layout_of_the_recipe(head_first_configs,
                                                     stream):
    cfg = Config.fromfile(str(head_first_configs / f'{UCLA_RECIPE}{stream}.py'))
    found = layouts_of(cfg)
    assert len(found) >= 4  # flip + 3 feature transforms + graph
    assert all(dict(x) == HEAD_FIRST_CFG for x in found), found
    if stream == 'joint3d':
        frames = [t for t in cfg.train_dataloader.dataset.pipeline
                  if t.type == 'BodyFrame3D']
        assert len(frames) == 1 and dict(frames[0].layout) == HEAD_FIRST_CFG


def test_shipped_recipes_name_each_layout_once():
    """The layout names appear in the data configs only, once each."""
    for name in LAYOUTS:
        files = {}
        for path in REPO.glob('configs/**/*.py'):
            count = path.read_text().count(f"'{name}'")
            if count:
                files[str(path.relative_to(REPO))] = count
        assert all(n == 1 and '_base_/datasets/' in f
                   for f, n in files.items()), (name, files)


def write_annotations(root: Path, head_first: bool,
                      num_frames: int = 40) -> Dict[str, str]:
    """Two random NW-UCLA-like sequences (2D and 3D joints), in Kinect's
    standard joint order or head first."""
    rng = np.random.default_rng(0)
    annos = []
    for i in range(2):
        kp = rng.uniform(20, 460, (1, num_frames, 20, 2)).astype(np.float32)
        score = rng.uniform(0.5, 1, (1, num_frames, 20)).astype(np.float32)
        kp3d = rng.normal(0, 0.3, (1, num_frames, 20, 3)).astype(np.float32)
        if head_first:
            kp, score, kp3d = (kp[..., TO_HEAD_FIRST, :],
                               score[..., TO_HEAD_FIRST],
                               kp3d[..., TO_HEAD_FIRST, :])
        annos.append(dict(frame_dir=f'seq{i}', label=i, img_shape=(480, 640),
                          original_shape=(480, 640), total_frames=num_frames,
                          keypoint=kp, keypoint_score=score,
                          keypoint_3d=kp3d))
    import pickle
    ann_file = root / ('head_first.pkl' if head_first else 'standard.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(dict(split={'xview_train': ['seq0', 'seq1']},
                         annotations=annos), f)
    class_file = root / 'classes.txt'
    class_file.write_text('\n'.join(CLASSES) + '\n')
    return dict(ann_file=str(ann_file), class_file=str(class_file))


def tiny_model_cfg(cfg: Config) -> Dict:
    """The recipe's model with a tiny text encoder and a 2-stage ST-GCN++
    (8 channels): the graph is the recipe's."""
    model_cfg = shrink_model_cfg(cfg.model)
    model_cfg['video_encoder']['backbone'].update(
        base_channels=8, num_stages=2, inflate_stages=[], down_stages=[])
    model_cfg['video_encoder']['in_channels'] = 8
    return model_cfg


def train_one_step(cfg: Config, files: Dict[str, str]):
    """The train pipeline on two samples and one SGD step of the model
    (tiny). Returns the batch inputs, the loss and the model."""
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, **files))
    batch = []
    for i in range(2):
        np.random.seed(i)  # same flips and frame samples for every config
        random.seed(i)
        batch.append(dataset[i])
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(cfg))
    model.init_weights()
    model.set_class_texts(dataset.metainfo['classes'])
    before = [p.detach().clone() for p in model.video_encoder.parameters()]
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    torch.manual_seed(1)
    log_vars = model.train_step(pseudo_collate(batch), optim_wrapper)
    after = list(model.video_encoder.parameters())
    assert torch.isfinite(log_vars['loss'])
    assert any(not torch.equal(a, b) for a, b in zip(before, after))
    inputs = torch.stack([b['inputs'] for b in batch])
    return inputs, log_vars['loss'], model


@pytest.mark.parametrize('stream', ['joint', 'joint3d'])
def test_dict_layout_recipe_trains_a_step_as_the_shipped_one(
        head_first_configs, tmp_path, stream):
    ours_cfg = Config.fromfile(
        str(head_first_configs / f'{UCLA_RECIPE}{stream}.py'))
    shipped_cfg = Config.fromfile(str(REPO / f'{UCLA_RECIPE}{stream}.py'))
    inputs, loss, model = train_one_step(
        ours_cfg, write_annotations(tmp_path, head_first=True))
    # [B, K=1 clip, M=1, T=32, V=20, C=3]
    assert inputs.shape == (2, 1, 1, 32, 20, 3)
    graph = model.video_encoder.backbone.graph
    assert graph.num_node == 20 and graph.center == HEAD_FIRST.index(
        'hip_center')
    assert (HEAD_FIRST.index('head'), HEAD_FIRST.index('shoulder_center')) \
        in graph.inward
    # The same skeleton and data in the standard order: the same inputs up
    # to the joint order, the same loss (ST-GCN++ is permutation-equivariant
    # and pools over joints).
    std_inputs, std_loss, _ = train_one_step(
        shipped_cfg, write_annotations(tmp_path, head_first=False))
    torch.testing.assert_close(inputs, std_inputs[..., TO_HEAD_FIRST, :])
    torch.testing.assert_close(loss, std_loss, rtol=1e-4, atol=1e-5)


def test_model_base_alone_asks_for_the_layout():
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/'
                              'visece_stgcnpp_minilm.py'))
    with pytest.raises(ConfigError, match='graph_cfg has no layout'):
        MODELS.build(shrink_model_cfg(cfg.model))


def test_data_of_another_layout_is_a_clear_error():
    cfg = Config.fromfile(str(REPO / f'{UCLA_RECIPE}joint.py'))
    model_cfg = tiny_model_cfg(cfg)
    model_cfg['video_encoder']['backbone']['graph_cfg']['layout'] = 'penn13'
    encoder = MODELS.build(model_cfg).video_encoder
    with pytest.raises(ConfigError, match='have 20 joints, the graph of '
                       'STGCN has 13'):
        encoder(torch.randn(1, 1, 8, 20, 3))


def test_layout_dicts_build_outside_recipes_too():
    """MODELS.build on a config written by hand takes the dict as well."""
    cfg = Config.fromfile(str(REPO / f'{UCLA_RECIPE}joint.py'))
    model_cfg = tiny_model_cfg(cfg)
    model_cfg['video_encoder']['backbone']['graph_cfg']['layout'] = \
        HEAD_FIRST_CFG
    encoder = MODELS.build(model_cfg).video_encoder
    assert encoder.backbone.graph.num_node == \
        get_layout(HEAD_FIRST_CFG).num_joints
    # [B, M, T, V, C] -> per-frame features [B, T, C].
    assert encoder(torch.randn(1, 1, 8, 20, 3)).shape == \
        (1, 8, encoder.out_channels)


def test_every_skeleton_config_names_one_layout():
    """Pipelines and graph agree in every shipped skeleton config."""
    for family in ('itm', 'mo', 'pacl', 'slowonly', 'visece'):
        for path in sorted((REPO / 'configs' / family).glob('*.py')):
            cfg = Config.fromfile(str(path))
            found = layouts_of(cfg)
            assert found, path
            assert len({str(x) for x in found}) == 1, (path, found)
            assert found[0] == cfg.layout, path


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(pytest.main([os.path.abspath(__file__), '-q']))
