"""SkeletonLayout: well-formed layouts, agreement with mmaction2's hard-coded
COCO and NTU skeletons, name lookup and graph_cfg resolution."""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import JointToBone
from mmaction.models.utils import Graph

from vlalign.structures.skeleton_layouts import (LAYOUTS, SkeletonLayout,
                                               get_layout, resolve_graph_cfg)
from vlalign.utils.errors import ConfigError

NAMES = sorted(LAYOUTS)
NUM_JOINTS = dict(penn13=13, coco17=17, kinect_v1_20=20, ntu25=25)
# vlalign layout -> mmaction2's name for the same skeleton.
UPSTREAM = dict(coco17='coco', ntu25='nturgb+d')


def mirror(name: str) -> str:
    """The name of the joint on the other side (itself on the midline)."""
    for a, b in (('left_', 'right_'), ('right_', 'left_')):
        if name.startswith(a):
            return b + name[len(a):]
    return name


def test_known_layouts():
    assert set(LAYOUTS) == set(NUM_JOINTS)
    for name, layout in LAYOUTS.items():
        assert layout.name == name
        assert layout.num_joints == NUM_JOINTS[name]


@pytest.mark.parametrize('name', NAMES)
def test_one_root_and_parents_in_range(name):
    layout = LAYOUTS[name]
    v = layout.num_joints
    assert len(layout.joints) == len(layout.parents) == v
    assert len(set(layout.joints)) == v, 'joint names must be unique'
    roots = [i for i, p in enumerate(layout.parents) if i == p]
    assert roots == [layout.center]
    assert all(0 <= p < v for p in layout.parents)
    # Every joint reaches the root (no cycle apart from the root's loop).
    for j in range(v):
        seen = set()
        while layout.parents[j] != j:
            assert j not in seen, f'{name}: cycle through joint {j}'
            seen.add(j)
            j = layout.parents[j]
        assert j == layout.center


@pytest.mark.parametrize('name', NAMES)
def test_bones_and_graph_edges_follow_parents(name):
    layout = LAYOUTS[name]
    assert layout.bone_pairs == list(enumerate(layout.parents))
    assert len(layout.inward) == layout.num_joints - 1
    graph = layout.graph_layout()
    assert graph == dict(num_node=layout.num_joints, inward=layout.inward,
                         center=layout.center)
    # mmaction2's Graph accepts it.
    a = Graph(layout=graph, mode='spatial').A
    assert a.shape == (3, layout.num_joints, layout.num_joints)


@pytest.mark.parametrize('name', NAMES)
def test_flip_pairs_are_symmetric(name):
    layout = LAYOUTS[name]
    joints = layout.joints
    left, right = layout.flip_pairs
    assert len(left) == len(right) > 0
    assert len(set(left + right)) == len(left) + len(right)
    for lj, rj in zip(left, right):
        # Only the left_/right_ prefix differs.
        assert joints[lj].startswith('left_')
        assert joints[rj] == 'right_' + joints[lj][len('left_'):]
    # Every sided joint is paired; midline joints are not.
    sided = {i for i, n in enumerate(joints)
             if n.startswith(('left_', 'right_'))}
    assert sided == set(left) | set(right)
    # The tree is mirror-symmetric: the mirror of a joint's parent is the
    # parent of its mirror, so flipped poses have the same bones.
    index = {n: i for i, n in enumerate(joints)}
    for j, p in enumerate(layout.parents):
        assert layout.parents[index[mirror(joints[j])]] == \
            index[mirror(joints[p])]


def test_coco17_bones_equal_mmaction_coco():
    assert tuple(LAYOUTS['coco17'].bone_pairs) == \
        tuple(JointToBone(dataset='coco').pairs)


def test_ntu25_bones_equal_mmaction_nturgbd():
    # Same pairs; upstream lists (21, 22) before (20, 20).
    assert set(LAYOUTS['ntu25'].bone_pairs) == \
        set(JointToBone(dataset='nturgb+d').pairs)


@pytest.mark.parametrize('name', sorted(UPSTREAM))
def test_graph_nodes_and_centre_equal_mmaction(name):
    upstream = Graph(UPSTREAM[name], mode='spatial')
    layout = LAYOUTS[name]
    assert layout.num_joints == upstream.num_node
    assert layout.center == upstream.center
    assert len(layout.inward) == len(upstream.inward)


# mmaction2 disagrees with itself: COCO's graph hangs the hips on the
# shoulders, its bones on the nose; NTU's graph hangs hand tips and thumbs
# on the hands, its bones chain tip -> thumb -> hand. The layouts keep both
# (``parents`` for bones, ``graph_edges`` for the graph).
@pytest.mark.parametrize('mode', ['spatial', 'stgcn_spatial'])
@pytest.mark.parametrize('name', sorted(UPSTREAM))
def test_graph_adjacency_equals_mmaction(name, mode):
    ours = Graph(layout=LAYOUTS[name].graph_layout(), mode=mode).A
    theirs = Graph(UPSTREAM[name], mode=mode).A
    np.testing.assert_allclose(ours, theirs)


def test_get_layout():
    assert get_layout('penn13') is LAYOUTS['penn13']
    layout = LAYOUTS['kinect_v1_20']
    assert get_layout(layout) is layout


def test_get_layout_unknown_name_lists_known_ones():
    with pytest.raises(ConfigError) as info:
        get_layout('kinect_v3')
    message = str(info.value)
    assert 'kinect_v3' in message
    for name in LAYOUTS:
        assert name in message


def test_layout_needs_one_root_and_matching_lengths():
    with pytest.raises(ValueError, match='root'):
        SkeletonLayout('two_roots', ('a', 'b'), (0, 1))
    with pytest.raises(ValueError, match='root'):
        SkeletonLayout('no_root', ('a', 'b'), (1, 0))
    with pytest.raises(ValueError, match='parents'):
        SkeletonLayout('short', ('a', 'b'), (0, ))


def test_resolve_graph_cfg_replaces_vlalign_names():
    backbone = dict(type='STGCN', base_channels=8,
                    graph_cfg=dict(layout='penn13', mode='spatial'))
    before = copy.deepcopy(backbone)
    out = resolve_graph_cfg(backbone)
    assert backbone == before, 'the input config must not change'
    assert out['graph_cfg'] == dict(layout=LAYOUTS['penn13'].graph_layout(),
                                    mode='spatial')
    assert {k: v for k, v in out.items() if k != 'graph_cfg'} == \
        {k: v for k, v in before.items() if k != 'graph_cfg'}


@pytest.mark.parametrize('backbone', [
    dict(type='STGCN', graph_cfg=dict(layout='coco', mode='spatial')),
    dict(type='STGCN', graph_cfg=dict(layout='nturgb+d', mode='spatial')),
    dict(type='STGCN', graph_cfg=dict(
        layout=dict(num_node=2, inward=[(1, 0)], center=0), mode='spatial')),
    dict(type='ResNet3dSlowOnly', depth=50),
    dict(type='STGCN', graph_cfg=None),
], ids=['coco', 'nturgb+d', 'dict', 'no-graph', 'graph-none'])
def test_resolve_graph_cfg_passes_other_layouts_through(backbone):
    before = copy.deepcopy(backbone)
    assert resolve_graph_cfg(backbone) == before
