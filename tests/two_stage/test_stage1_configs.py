"""The stage-1 configs: seen classes only, and the graph vlalign names."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from vlalign.classes import load_class_names, load_protocol
from vlalign.structures.skeleton_layouts import LAYOUTS, resolve_graph_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'two_stage',
                                    'stage1-*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_stage1_trains_on_seen_classes_only(path):
    cfg = Config.fromfile(path)
    proto = load_protocol(cfg.protocol)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        subset = cfg[loader].dataset.class_subset
        assert load_class_names(osp.join(ROOT, subset)) == list(proto.seen)
    assert cfg.model.cls_head.num_classes == len(proto.seen)
    # LayoutSTGCN resolves the data config's layout name into mmaction2's
    # graph dict: the Kinect v1 skeleton vlalign names.
    assert cfg.model.backbone.type == 'LayoutSTGCN'
    graph = resolve_graph_cfg(cfg.model.backbone)['graph_cfg']['layout']
    ref = LAYOUTS['kinect_v1_20'].graph_layout()
    assert graph['num_node'] == ref['num_node']
    assert [tuple(e) for e in graph['inward']] == [tuple(e) for e in
                                                   ref['inward']]
    assert graph['center'] == ref['center']
