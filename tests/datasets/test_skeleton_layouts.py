"""SkeletonLayout: well-formed layouts, agreement with mmaction2's hard-coded
COCO and NTU skeletons, name lookup, layouts from config dicts (validation,
reordering) and graph_cfg resolution."""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import JointToBone
from mmaction.models.utils import Graph

from vlalign.structures import (joint_permutation, reorder_joints,
                                reorder_layout)
from vlalign.structures.skeleton_layouts import (LAYOUTS, SkeletonLayout,
                                               get_layout, resolve_graph_cfg)
from vlalign.utils.errors import ConfigError, DataError

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


# --- layouts given as config dicts -------------------------------------------

KINECT = LAYOUTS['kinect_v1_20']
# Kinect v1's 20 joints with the head first (the spine read top-down).
HEAD_FIRST = ('head', 'shoulder_center', 'spine', 'hip_center') + \
    KINECT.joints[4:]


def head_first_cfg():
    return reorder_layout(KINECT, HEAD_FIRST, 'kinect_head_first').to_config()


def test_dict_layout_is_the_same_skeleton_renumbered():
    cfg = head_first_cfg()
    assert cfg['parents'][:4] == [1, 2, 3, 3]  # head -> ... -> hip centre
    layout = get_layout(cfg)
    assert layout.name == 'kinect_head_first'
    assert layout.joints == HEAD_FIRST
    assert layout.root == layout.center == 3  # the hip centre
    # Flip pairs and bones name the same joints as kinect_v1_20's.
    names = [(layout.joints[a], layout.joints[b])
             for a, b in zip(*layout.flip_pairs)]
    assert sorted(names) == sorted(
        (KINECT.joints[a], KINECT.joints[b]) for a, b in zip(*KINECT.flip_pairs))
    assert {(layout.joints[j], layout.joints[p]) for j, p in layout.bone_pairs} \
        == {(KINECT.joints[j], KINECT.joints[p]) for j, p in KINECT.bone_pairs}
    assert get_layout(layout.to_config()) == layout


@pytest.mark.parametrize('mode', ['spatial', 'stgcn_spatial'])
@pytest.mark.parametrize('name', NAMES)
def test_reordered_graph_is_the_permuted_graph(name, mode):
    layout = LAYOUTS[name]
    reordered = get_layout(reorder_layout(
        layout, tuple(reversed(layout.joints))).to_config())
    perm = joint_permutation(layout.joints, reordered)
    ours = Graph(layout=reordered.graph_layout(), mode=mode).A
    theirs = Graph(layout=layout.graph_layout(), mode=mode).A
    np.testing.assert_allclose(ours, theirs[:, perm][:, :, perm])


def test_dict_layout_from_mmengine_config(tmp_path):
    """ConfigDicts (and the keys mmengine adds) read like plain dicts; a
    centre may be a joint name."""
    from mmengine import Config
    path = tmp_path / 'cfg.py'
    path.write_text(
        "layout = dict(joints=['neck', 'left_hand', 'right_hand'], "
        "parents=[0, 0, 0], center='neck')\n")
    cfg = Config.fromfile(str(path)).layout
    layout = get_layout(dict(cfg, _scope_='vlalign'))
    assert layout.name == 'custom' and layout.num_joints == 3
    assert layout.center == 0 and layout.flip_pairs == ([1], [2])


BAD_DICTS = {
    'lengths': (dict(joints=['a', 'b'], parents=[0]), '2 joints but 1 parents'),
    'two-roots': (dict(joints=['a', 'b'], parents=[0, 1]), 'exactly one root'),
    'no-root': (dict(joints=['a', 'b'], parents=[1, 0]), 'exactly one root'),
    'cycle': (dict(joints=['a', 'b', 'c'], parents=[0, 2, 1]),
              "joints ['b', 'c'] do not reach the root"),
    'parent-range': (dict(joints=['a', 'b'], parents=[0, 5]),
                     "parents must be joint ids in [0, 2), got ['b: 5']"),
    'parent-type': (dict(joints=['a', 'b'], parents=[0, '0']),
                    'parents must be joint ids'),
    'duplicates': (dict(joints=['a', 'b', 'a'], parents=[0, 0, 0]),
                   "repeated joint names ['a']"),
    'unpaired': (dict(joints=['neck', 'left_hand'], parents=[0, 0]),
                 "joints ['left_hand'] have no mirror joint"),
    'center-range': (dict(joints=['a', 'b'], parents=[0, 0], center=2),
                     'center must be a joint id in [0, 2)'),
    'center-name': (dict(joints=['a', 'b'], parents=[0, 0], center='c'),
                    'center "c" is not one of its joints'),
    'edges': (dict(joints=['a', 'b'], parents=[0, 0], graph_edges=[(1, 3)]),
              'graph_edges must be (child, parent) pairs'),
    'unknown-key': (dict(joints=['a'], parents=[0], edges=[]),
                    "unknown keys ['edges']"),
    'missing-key': (dict(joints=['a']), "missing keys ['parents']"),
    'joints-str': (dict(joints='ab', parents=[0, 0]), 'joints must be a list'),
    'builtin-name': (dict(name='penn13', joints=['a'], parents=[0]),
                     '"penn13" is a built-in layout'),
}


@pytest.mark.parametrize('key', sorted(BAD_DICTS))
def test_bad_dict_layouts_raise_clear_config_errors(key):
    cfg, message = BAD_DICTS[key]
    with pytest.raises(ConfigError) as info:
        get_layout(dict(cfg, name=cfg.get('name', 'mine')))
    assert message in str(info.value)
    assert ('"penn13"' if key == 'builtin-name' else 'layout "mine"') in \
        str(info.value)


def test_get_layout_rejects_other_types():
    with pytest.raises(ConfigError, match='a name, a SkeletonLayout or a dict'):
        get_layout(20)


def test_resolve_graph_cfg_takes_layout_dicts():
    cfg = head_first_cfg()
    out = resolve_graph_cfg(dict(type='STGCN', graph_cfg=dict(
        layout=cfg, mode='spatial')))
    assert out['graph_cfg'] == dict(layout=get_layout(cfg).graph_layout(),
                                    mode='spatial')
    assert Graph(**out['graph_cfg']).num_node == 20


def test_resolve_graph_cfg_needs_a_known_layout():
    with pytest.raises(ConfigError, match='graph_cfg has no layout'):
        resolve_graph_cfg(dict(type='STGCN', graph_cfg=dict(mode='spatial')))
    with pytest.raises(ConfigError) as info:
        resolve_graph_cfg(dict(type='STGCN', graph_cfg=dict(layout='cocoo')))
    assert 'cocoo' in str(info.value) and "'coco'" in str(info.value)


# --- reordering arrays by joint name ------------------------------------------

def test_reorder_joints_by_name_on_any_axis():
    kp = np.arange(2 * 3 * 20 * 2, dtype=np.float32).reshape(2, 3, 20, 2)
    out = reorder_joints(kp, HEAD_FIRST, 'kinect_v1_20')
    assert out.shape == kp.shape and out.dtype == kp.dtype
    for target, name in enumerate(KINECT.joints):
        np.testing.assert_array_equal(out[:, :, target],
                                      kp[:, :, HEAD_FIRST.index(name)])
    score = kp[..., 0]
    np.testing.assert_array_equal(
        reorder_joints(score, HEAD_FIRST, KINECT, axis=-1), out[..., 0])
    # Back and forth is the identity.
    np.testing.assert_array_equal(
        reorder_joints(out, KINECT.joints, head_first_cfg()), kp)


def test_reorder_joints_errors_name_the_joints():
    kp = np.zeros((1, 2, 20, 2), np.float32)
    with pytest.raises(ConfigError) as info:
        reorder_joints(kp, ('neck', ) + HEAD_FIRST[1:], 'kinect_v1_20')
    assert "missing ['head'], not in the layout ['neck']" in str(info.value)
    assert 'hip_center' in str(info.value)  # lists the layout's names
    with pytest.raises(ConfigError, match=r"\['spine'\] are given more"):
        joint_permutation(HEAD_FIRST[:-1] + ('spine', ), 'kinect_v1_20')
    with pytest.raises(DataError, match='has 13 joints on axis -2, but 20'):
        reorder_joints(np.zeros((1, 2, 13, 2)), HEAD_FIRST, 'kinect_v1_20')
