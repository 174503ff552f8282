"""SkeletonFeatures and SkeletonFlip against mmaction2's GenSkeFeat and Flip,
on 13- and 20-joint layouts mmaction2 has no name for, and on a layout given
as a dict with the joints in another order."""
import copy
import itertools

import numpy as np
import pytest
from mmaction.datasets.transforms import Flip, GenSkeFeat

from vlalign.structures import joint_permutation, reorder_layout
from vlalign.structures.skeleton_layouts import LAYOUTS
from vlalign.datasets.transforms.skeleton_features import SkeletonFeatures
from vlalign.datasets.transforms.skeleton_flip import SkeletonFlip
from vlalign.registry import TRANSFORMS

STREAMS = ('j', 'b', 'jm', 'bm')
# Every non-empty combination, plus orders other than the canonical one.
FEATS = [list(c) for r in range(1, 5)
         for c in itertools.combinations(STREAMS, r)]
FEATS += [['b', 'j'], ['bm', 'jm', 'b', 'j']]


def pose_2d(num_joints: int, num_person: int = 2, num_frames: int = 6,
            seed: int = 0) -> dict:
    """Random 2D keypoints ``[M, T, V, 2]`` with scores ``[M, T, V]``."""
    rng = np.random.default_rng(seed)
    return dict(
        frame_dir=f'sample_{num_joints}j',
        img_shape=(480, 640),
        modality='Pose',
        keypoint=rng.uniform(1, 640, (num_person, num_frames, num_joints,
                                      2)).astype(np.float32),
        keypoint_score=rng.uniform(0, 1, (num_person, num_frames,
                                          num_joints)).astype(np.float32))


@pytest.mark.parametrize('feats', FEATS, ids=['+'.join(f) for f in FEATS])
def test_features_equal_genskefeat_on_coco(feats):
    results = pose_2d(17)
    # Both transforms write into (and pop from) the dict: separate copies.
    ours = SkeletonFeatures(layout='coco17', feats=feats)(
        copy.deepcopy(results))
    theirs = GenSkeFeat(dataset='coco', feats=feats)(copy.deepcopy(results))
    assert set(ours) == set(theirs)
    assert ours['keypoint'].shape == (2, 6, 17, 3 * len(feats))
    np.testing.assert_array_equal(ours['keypoint'], theirs['keypoint'])


def test_features_build_from_registry():
    t = TRANSFORMS.build(dict(type='SkeletonFeatures', layout='penn13',
                              feats=['j', 'b']))
    assert isinstance(t, SkeletonFeatures)
    assert t.layout is LAYOUTS['penn13']
    assert 'penn13' in repr(t)


@pytest.mark.parametrize('name', ['penn13', 'kinect_v1_20'])
@pytest.mark.parametrize('feats', [['j'], ['b'], ['jm'], ['bm'],
                                   ['j', 'b', 'jm', 'bm']],
                         ids=['j', 'b', 'jm', 'bm', 'all'])
def test_features_shapes_on_other_layouts(name, feats):
    layout = LAYOUTS[name]
    transform = SkeletonFeatures(layout=name, feats=feats)
    out = transform(pose_2d(layout.num_joints))
    assert out['keypoint'].shape == (2, 6, layout.num_joints, 3 * len(feats))
    assert out['keypoint'].dtype == np.float32


@pytest.mark.parametrize('name', ['penn13', 'kinect_v1_20'])
def test_bones_are_joint_minus_parent_and_root_is_zero(name):
    layout = LAYOUTS[name]
    results = pose_2d(layout.num_joints)
    kp = results['keypoint'].copy()
    score = results['keypoint_score'].copy()
    bone = SkeletonFeatures(layout=name, feats=['b'])(results)['keypoint']
    parents = list(layout.parents)
    np.testing.assert_array_equal(bone[..., layout.center, :2], 0)
    np.testing.assert_allclose(bone[..., :2], kp - kp[:, :, parents])
    # Upstream's 2D rule: a bone's score is the mean of its joints' scores.
    np.testing.assert_allclose(bone[..., 2],
                               (score + score[:, :, parents]) / 2)


def test_motion_is_the_next_frame_minus_this_one():
    results = pose_2d(13)
    kp = results['keypoint'].copy()
    jm = SkeletonFeatures(layout='penn13', feats=['jm'])(results)['keypoint']
    np.testing.assert_allclose(jm[:, :-1, :, :2], np.diff(kp, axis=1))
    np.testing.assert_array_equal(jm[:, -1], 0)


@pytest.mark.parametrize('name,num_joints', [('penn13', 17),
                                             ('kinect_v1_20', 25),
                                             ('coco17', 13)])
def test_joint_count_mismatch_names_the_sample(name, num_joints):
    results = pose_2d(num_joints)
    results['frame_dir'] = 'clip_0042'
    with pytest.raises(ValueError) as info:
        SkeletonFeatures(layout=name, feats=['j'])(results)
    message = str(info.value)
    assert 'clip_0042' in message and name in message
    assert str(num_joints) in message


def test_unknown_feats_are_refused():
    with pytest.raises(ValueError, match='feats'):
        SkeletonFeatures(layout='penn13', feats=['j', 'x'])
    with pytest.raises(ValueError, match='feats'):
        SkeletonFeatures(layout='penn13', feats=[])


@pytest.mark.parametrize('feats', [['b'], ['jm']])
def test_features_of_3d_keypoints_equal_genskefeat_ntu(feats):
    rng = np.random.default_rng(0)
    results = dict(keypoint=rng.normal(size=(1, 5, 25, 3)).astype(np.float32))
    ours = SkeletonFeatures(layout='ntu25', feats=feats)(
        copy.deepcopy(results))
    theirs = GenSkeFeat(dataset='nturgb+d', feats=feats)(
        copy.deepcopy(results))
    np.testing.assert_allclose(ours['keypoint'], theirs['keypoint'])


# ------------------------------------------------------------------- flip
# Penn Action: 0 head, then (left, right) pairs shoulder, elbow, wrist, hip,
# knee, ankle at (1, 2), (3, 4), ..., (11, 12).
PENN_MIRROR = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]


def penn_example() -> dict:
    """One person, two frames, joint ``j`` at ``x = 100 + 10 j`` (frame 1
    shifted by 1), ``y = j``; joint 5 (left wrist) missing in frame 0
    (``x = 0``, mmaction2 leaves such joints at 0)."""
    x = 100.0 + 10 * np.arange(13)
    kp = np.zeros((1, 2, 13, 2), np.float32)
    kp[0, :, :, 0] = np.stack([x, x + 1])
    kp[0, :, :, 1] = np.arange(13)
    kp[0, 0, 5] = 0
    score = np.tile(np.linspace(0.1, 0.9, 13, dtype=np.float32), (1, 2, 1))
    return dict(keypoint=kp, keypoint_score=score, img_shape=(480, 640),
                modality='Pose')


def test_flip_mirrors_x_and_swaps_left_right_by_hand():
    results = penn_example()
    kp, score = results['keypoint'].copy(), results['keypoint_score'].copy()
    out = SkeletonFlip(layout='penn13', flip_ratio=1.0)(results)
    assert out['flip'] is True
    flipped = out['keypoint']
    for j in range(13):
        src = PENN_MIRROR[j]
        for t in range(2):
            x = kp[0, t, src, 0]
            expected_x = 0 if x == 0 else 640 - x
            assert flipped[0, t, j, 0] == expected_x, (t, j)
            assert flipped[0, t, j, 1] == kp[0, t, src, 1]
            assert out['keypoint_score'][0, t, j] == score[0, t, src]
    # By hand: the right shoulder (2) now holds the left one's mirror image.
    assert flipped[0, 0, 2, 0] == 640 - 110
    assert flipped[0, 0, 0, 0] == 640 - 100  # the head stays joint 0
    assert flipped[0, 0, 6, 0] == 0  # the missing left wrist, now right


def test_flip_ratio_zero_keeps_the_pose():
    results = penn_example()
    kp = results['keypoint'].copy()
    out = SkeletonFlip(layout='penn13', flip_ratio=0.0)(results)
    assert out['flip'] is False
    np.testing.assert_array_equal(out['keypoint'], kp)


@pytest.mark.parametrize('name', ['penn13', 'kinect_v1_20', 'coco17'])
def test_flip_equals_mmaction_flip(name):
    layout = LAYOUTS[name]
    results = pose_2d(layout.num_joints)
    left, right = layout.flip_pairs
    ours = SkeletonFlip(layout=name, flip_ratio=1.0)(copy.deepcopy(results))
    theirs = Flip(flip_ratio=1.0, left_kp=left, right_kp=right)(
        copy.deepcopy(results))
    np.testing.assert_array_equal(ours['keypoint'], theirs['keypoint'])
    np.testing.assert_array_equal(ours['keypoint_score'],
                                  theirs['keypoint_score'])


def test_flip_builds_from_registry():
    t = TRANSFORMS.build(dict(type='SkeletonFlip', layout='kinect_v1_20'))
    assert isinstance(t, SkeletonFlip)
    assert (t.left_kp, t.right_kp) == LAYOUTS['kinect_v1_20'].flip_pairs
    assert t.flip_ratio == 0.5


# A standing Kinect v1 body (x right, y up, metres), hip centre at 0.
_KINECT_REST = np.array([
    [0, 0, 0], [0, .25, 0], [0, .5, 0], [0, .7, 0],
    [-.2, .45, 0], [-.3, .2, 0], [-.32, 0, 0], [-.33, -.08, 0],
    [.2, .45, 0], [.3, .2, 0], [.32, 0, 0], [.33, -.08, 0],
    [-.1, -.05, 0], [-.1, -.45, 0], [-.1, -.85, 0], [-.1, -.9, .1],
    [.1, -.05, 0], [.1, -.45, 0], [.1, -.85, 0], [.1, -.9, .1]])


def _kinect_3d(seed: int = 0, num_frames: int = 5) -> np.ndarray:
    """The Kinect v1 body ``[1, T, 20, 3]`` moving a little, ~3 m away."""
    rng = np.random.default_rng(seed)
    kp = _KINECT_REST + rng.normal(0, 0.03, (1, num_frames, 20, 3))
    kp[..., 2] += 3.0
    return kp.astype(np.float32)


def test_use_keypoint_3d_replaces_2d_and_drops_scores():
    kp3d = _kinect_3d()
    results = pose_2d(20, num_person=1, num_frames=5)
    results['keypoint_3d'] = kp3d
    out = TRANSFORMS.build(dict(type='UseKeypoint3D'))(results)
    np.testing.assert_array_equal(out['keypoint'], kp3d)
    assert 'keypoint_score' not in out and 'keypoint_3d' not in out


def test_use_keypoint_3d_names_the_sample_without_3d_joints():
    from vlalign.utils.errors import DataError
    with pytest.raises(DataError, match='sample_20j.*keypoint_3d'):
        TRANSFORMS.build(dict(type='UseKeypoint3D'))(pose_2d(20))


def test_3d_joints_normalised_do_not_depend_on_the_camera():
    """Why the cross-view recipe uses 3D: the same body seen by a camera
    turned about the vertical axis (and moved) gives the same input."""
    kp3d = _kinect_3d(seed=1)
    yaw = np.deg2rad(50)
    rot = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0],
                    [-np.sin(yaw), 0, np.cos(yaw)]], dtype=np.float32)
    seen_elsewhere = kp3d @ rot.T + np.array([0.4, 0.1, 1.0], np.float32)
    pipeline = [TRANSFORMS.build(dict(type='UseKeypoint3D')),
                TRANSFORMS.build(dict(type='BodyFrame3D'))]
    outs = []
    for kp in (kp3d, seen_elsewhere):
        results = dict(keypoint_3d=kp.copy(), total_frames=kp.shape[1])
        for t in pipeline:
            results = t(results)
        outs.append(results['keypoint'])
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-4)


def test_body_frame_axes_and_padding():
    kp = _kinect_3d(seed=2)
    kp[:, -1] = 0  # a padded frame
    out = TRANSFORMS.build(dict(type='BodyFrame3D'))(
        dict(keypoint=kp.copy()))['keypoint']
    first = out[0, 0]
    np.testing.assert_allclose(first[1], 0, atol=1e-6)  # origin: joint 1
    spine = first[1] - first[0]
    np.testing.assert_allclose(spine / np.linalg.norm(spine), [0, 0, 1],
                               atol=1e-5)
    shoulder = first[4] - first[8]
    assert abs(shoulder[1]) < 1e-5 and shoulder[0] > 0  # in the x-z plane
    np.testing.assert_array_equal(out[:, -1], 0)
    # A rigid motion: distances between joints are kept.
    np.testing.assert_allclose(
        np.linalg.norm(out[0, 2, 3] - out[0, 2, 10]),
        np.linalg.norm(kp[0, 2, 3] - kp[0, 2, 10]), rtol=1e-5)


def test_prenormalize3d_tilts_the_spine_body_frame_does_not():
    """The upstream behaviour BodyFrame3D exists for (mmaction2 1.2.0)."""
    from mmaction.datasets.transforms import PreNormalize3D
    kp = _kinect_3d(seed=1)
    up = PreNormalize3D()(dict(keypoint=kp.copy(), total_frames=5))
    spine = up['keypoint'][0, 0, 1] - up['keypoint'][0, 0, 0]
    assert abs(spine[2] / np.linalg.norm(spine)) < 0.999


# --- a layout given as a dict, joints in another order -----------------------
# Every transform on data stored head first, with the head-first layout dict,
# must give what it gives on the standard order, reordered the same way.

KINECT = LAYOUTS['kinect_v1_20']
HEAD_FIRST = ('head', 'shoulder_center', 'spine', 'hip_center') + \
    KINECT.joints[4:]
HEAD_FIRST_CFG = reorder_layout(KINECT, HEAD_FIRST, 'head_first').to_config()
# Standard-order arrays -> head-first arrays (take along the joint axis).
TO_HEAD_FIRST = joint_permutation(KINECT.joints, HEAD_FIRST_CFG)


def _head_first(results: dict) -> dict:
    out = copy.deepcopy(results)
    out['keypoint'] = out['keypoint'][..., TO_HEAD_FIRST, :]
    if 'keypoint_score' in out:
        out['keypoint_score'] = out['keypoint_score'][..., TO_HEAD_FIRST]
    return out


@pytest.mark.parametrize('feats', [['j'], ['b'], ['jm'], ['bm'],
                                   ['j', 'b', 'jm', 'bm']])
def test_features_follow_a_reordered_dict_layout(feats):
    results = pose_2d(20)
    standard = SkeletonFeatures(layout='kinect_v1_20', feats=feats)(
        copy.deepcopy(results))['keypoint']
    t = TRANSFORMS.build(dict(type='SkeletonFeatures', layout=HEAD_FIRST_CFG,
                              feats=feats))
    assert t.layout.name == 'head_first'
    ours = t(_head_first(results))['keypoint']
    np.testing.assert_allclose(ours, standard[..., TO_HEAD_FIRST, :],
                               rtol=1e-6, atol=1e-6)


def test_flip_follows_a_reordered_dict_layout():
    results = pose_2d(20)
    standard = SkeletonFlip(layout='kinect_v1_20', flip_ratio=1.0)(
        copy.deepcopy(results))
    ours = TRANSFORMS.build(dict(type='SkeletonFlip', layout=HEAD_FIRST_CFG,
                                 flip_ratio=1.0))(_head_first(results))
    np.testing.assert_array_equal(ours['keypoint'],
                                  standard['keypoint'][..., TO_HEAD_FIRST, :])
    np.testing.assert_array_equal(
        ours['keypoint_score'], standard['keypoint_score'][..., TO_HEAD_FIRST])


def test_heatmaps_follow_a_reordered_dict_layout():
    """Joint channels (and the flipped copy's left/right swap) follow."""
    from vlalign.datasets.transforms.fast_pose_target import \
        FastGeneratePoseTarget
    results = pose_2d(20, num_frames=2)
    results['img_shape'] = (48, 64)
    results['keypoint'] = results['keypoint'] / 10
    kwargs = dict(sigma=1.0, with_kp=True, double=True)
    standard = FastGeneratePoseTarget(layout='kinect_v1_20', **kwargs)(
        copy.deepcopy(results))['imgs']  # [2T, V, H, W]
    ours = FastGeneratePoseTarget(layout=HEAD_FIRST_CFG, **kwargs)(
        _head_first(results))['imgs']
    np.testing.assert_allclose(ours, standard[:, TO_HEAD_FIRST], atol=1e-6)


def test_body_frame_names_joints_of_any_order():
    kp = _kinect_3d(seed=3)
    by_id = TRANSFORMS.build(dict(type='BodyFrame3D'))(
        dict(keypoint=kp.copy()))['keypoint']
    names = dict(spine=('hip_center', 'spine'),
                 shoulders=('right_shoulder', 'left_shoulder'), center='spine')
    by_name = TRANSFORMS.build(dict(type='BodyFrame3D', layout='kinect_v1_20',
                                    **names))
    assert (by_name.spine, by_name.shoulders, by_name.center) == \
        ((0, 1), (8, 4), 1)
    np.testing.assert_array_equal(
        by_name(dict(keypoint=kp.copy()))['keypoint'], by_id)
    head_first = TRANSFORMS.build(dict(type='BodyFrame3D',
                                       layout=HEAD_FIRST_CFG, **names))
    assert (head_first.spine, head_first.center) == ((3, 2), 2)
    out = head_first(dict(keypoint=kp[..., TO_HEAD_FIRST, :].copy()))
    np.testing.assert_allclose(out['keypoint'], by_id[..., TO_HEAD_FIRST, :],
                               atol=1e-6)


def test_body_frame_joint_names_need_a_layout_that_has_them():
    from vlalign.utils.errors import ConfigError
    with pytest.raises(ConfigError, match='names need a layout'):
        TRANSFORMS.build(dict(type='BodyFrame3D', center='spine'))
    with pytest.raises(ConfigError, match='has no joint "neck"'):
        TRANSFORMS.build(dict(type='BodyFrame3D', layout='kinect_v1_20',
                              center='neck'))
    with pytest.raises(ValueError, match='has 25 joints, layout'):
        TRANSFORMS.build(dict(type='BodyFrame3D', layout='kinect_v1_20'))(
            dict(keypoint=np.ones((1, 2, 25, 3), np.float32),
                 frame_dir='x'))
