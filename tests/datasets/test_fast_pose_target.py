"""FastGeneratePoseTarget against mmaction2's GeneratePoseTarget.

Every option combination is run on seeded random poses that hit the edge
cases (scores below or exactly at ``eps``, keypoints outside the image,
limbs shorter than a pixel, windows whose ends fall on integers), and the
heatmaps must equal upstream's within 1e-4; then both run inside a PoseC3D
test pipeline.
"""
import copy
import importlib.util
import itertools
import json
import pickle
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import pytest
from mmaction.datasets.transforms import GeneratePoseTarget

from vlalign.structures.skeleton_layouts import LAYOUTS
from vlalign.datasets.transforms.fast_pose_target import (
    FastGeneratePoseTarget, layout_limb_pairs, zeros_float32)
from vlalign.registry import TRANSFORMS

ATOL = 1e-4


def random_pose(rng: np.random.Generator, num_person: int, num_frames: int,
                num_joints: int, img_shape=(24, 32),
                sigma: float = 0.6) -> Dict:
    """Poses with every edge case GeneratePoseTarget handles.

    Returns:
        dict: ``keypoint`` [M, T, V, 2] float32, ``keypoint_score``
        [M, T, V] float32, ``img_shape``.
    """
    h, w = img_shape
    shape = (num_person, num_frames, num_joints)
    # Inside the image and up to 20% past its borders.
    kp = rng.uniform(-0.2, 1.2, shape + (2, )) * [w, h]
    # Far outside.
    far = rng.random(shape) < 0.05
    kp[far] = rng.choice([-40., 3. * w], size=(far.sum(), 2))
    # Window ends on an integer: mu -+ 3 * sigma == k.
    edge = rng.random(shape) < 0.1
    kp[edge] = rng.integers(0, w, size=(edge.sum(), 2)) + 3 * sigma
    # Limbs shorter than a pixel (joint 1 next to joint 0).
    near = rng.random(shape[:2]) < 0.3
    kp[:, :, 1][near] = kp[:, :, 0][near] + rng.uniform(-0.6, 0.6, 2)
    kp = kp.astype(np.float32)
    # Just below an integer: int(mu + 3 * sigma) differs between float32
    # and upstream's float64 arithmetic for some of these.
    below = rng.random(shape) < 0.1
    kp[below] = np.nextafter(
        rng.integers(1, w, size=(below.sum(), 2)).astype(np.float32),
        np.float32(-np.inf))
    score = rng.uniform(0, 1, shape)
    score[rng.random(shape) < 0.15] = 0
    score[rng.random(shape) < 0.05] = 5e-5
    # float32(1e-4) is just below 1e-4: upstream skips it.
    score[rng.random(shape) < 0.05] = 1e-4
    return dict(keypoint=kp, keypoint_score=score.astype(np.float32),
                img_shape=img_shape)


def assert_same(kwargs: Dict, sample: Dict,
                fast_kwargs: Optional[Dict] = None) -> np.ndarray:
    """Run both transforms on copies of ``sample``; return the heatmaps."""
    ref = GeneratePoseTarget(**kwargs)(copy.deepcopy(sample))['imgs']
    got = FastGeneratePoseTarget(**(fast_kwargs or kwargs))(
        copy.deepcopy(sample))['imgs']
    assert got.shape == ref.shape
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=0, atol=ATOL)
    return got


KINDS = [dict(with_kp=True, with_limb=False),
         dict(with_kp=False, with_limb=True),
         dict(with_kp=True, with_limb=True)]


@pytest.mark.parametrize(
    'kind,use_score,double,scaling,sigma',
    list(itertools.product(KINDS, [True, False], [False, True], [1.0, 0.5],
                           [0.6, 1.0])))
def test_matches_upstream_coco(kind, use_score, double, scaling, sigma):
    rng = np.random.default_rng(
        [int(kind['with_kp']), int(kind['with_limb']), int(use_score),
         int(double), int(scaling * 10), int(sigma * 10)])
    kwargs = dict(kind, use_score=use_score, double=double, scaling=scaling,
                  sigma=sigma)
    for num_person in (1, 2):
        sample = random_pose(rng, num_person, 4, 17, sigma=sigma)
        got = assert_same(kwargs, sample)
        assert got.max() > 0


@pytest.mark.parametrize('kind,double',
                         list(itertools.product(KINDS, [False, True])))
def test_matches_upstream_penn13_layout(kind, double):
    layout = LAYOUTS['penn13']
    left_kp, right_kp = layout.flip_pairs
    left_limb, right_limb = layout_limb_pairs(layout)
    upstream = dict(kind, double=double, skeletons=layout.inward,
                    left_kp=left_kp, right_kp=right_kp, left_limb=left_limb,
                    right_limb=right_limb)
    rng = np.random.default_rng(13)
    for num_person in (1, 2):
        sample = random_pose(rng, num_person, 4, 13)
        assert_same(upstream, sample,
                    fast_kwargs=dict(kind, double=double, layout='penn13'))


def test_layout_arguments():
    t = FastGeneratePoseTarget(layout='penn13', with_limb=True)
    layout = LAYOUTS['penn13']
    assert t.skeletons == tuple(layout.inward)
    assert (list(t.left_kp), list(t.right_kp)) == layout.flip_pairs
    # Mirrored limbs pair up: left elbow->shoulder with right elbow->...
    pairs = {layout.inward[a]: layout.inward[b]
             for a, b in zip(t.left_limb, t.right_limb)}
    assert pairs[(3, 1)] == (4, 2)
    assert pairs[(1, 0)] == (2, 0)
    assert len(pairs) == 6  # all 12 Penn Action limbs are left or right
    for name in ('coco17', 'kinect_v1_20', 'ntu25'):
        left, right = layout_limb_pairs(LAYOUTS[name])
        assert len(left) == len(right) > 0
        assert not set(left) & set(right)


@pytest.mark.parametrize('img_shape', [(3, 5), (17, 13), (9, 40)])
def test_odd_and_tiny_images(img_shape):
    # Widths not divisible by 8 (narrower blocks), images smaller than a
    # tile or a window.
    rng = np.random.default_rng(sum(img_shape))
    for kind, double in itertools.product(KINDS, [False, True]):
        sample = random_pose(rng, 2, 3, 17, img_shape=img_shape)
        assert_same(dict(kind, double=double, sigma=1.0), sample)


def test_degenerate_inputs():
    rng = np.random.default_rng(0)
    kwargs = dict(with_kp=True, with_limb=True, double=True)
    # No persons.
    empty = dict(keypoint=np.zeros((0, 4, 17, 2), np.float32),
                 keypoint_score=np.zeros((0, 4, 17), np.float32),
                 img_shape=(16, 16))
    assert not assert_same(kwargs, empty).any()
    # All scores below eps.
    low = random_pose(rng, 2, 4, 17)
    low['keypoint_score'][:] = 5e-5
    assert not assert_same(kwargs, low).any()
    # No scores at all (upstream uses ones); float64 scores.
    sample = random_pose(rng, 2, 4, 17)
    no_score = {k: v for k, v in sample.items() if k != 'keypoint_score'}
    assert_same(kwargs, no_score)
    as64 = dict(sample, keypoint_score=sample['keypoint_score'].astype(
        np.float64))
    assert_same(kwargs, as64)
    # imgs present: heatmaps go to heatmap_imgs.
    with_imgs = dict(sample, imgs=np.zeros((4, 16, 16, 3), np.uint8))
    out = FastGeneratePoseTarget()(copy.deepcopy(with_imgs))
    ref = GeneratePoseTarget()(copy.deepcopy(with_imgs))
    np.testing.assert_allclose(out['heatmap_imgs'], ref['heatmap_imgs'],
                               atol=ATOL)


def test_double_with_overlapping_flip_lists():
    # left/right lists that are not a permutation: the copy fallback.
    rng = np.random.default_rng(1)
    kwargs = dict(double=True, left_kp=(1, 2), right_kp=(2, 3))
    assert_same(kwargs, random_pose(rng, 2, 3, 17))


def test_both_channels_follow_upstream():
    # Upstream draws limbs over the joint channels 0..L-1 and leaves
    # V..V+L-1 empty; the fast transform reproduces it exactly.
    rng = np.random.default_rng(2)
    got = assert_same(dict(with_kp=True, with_limb=True),
                      random_pose(rng, 1, 2, 17))
    assert got.shape[1] == 17 + 17
    assert not got[:, 17:].any()


def test_registry_and_repr():
    t = TRANSFORMS.build(dict(type='FastGeneratePoseTarget', sigma=1.0,
                              layout='coco17', with_limb=True))
    assert isinstance(t, FastGeneratePoseTarget)
    assert "layout='coco17'" in repr(t) and 'sigma=1.0' in repr(t)
    with pytest.raises(ValueError):
        FastGeneratePoseTarget(with_kp=False, with_limb=False)


def test_zeros_float32():
    for shape in [(2, 3), (40, 17, 64, 64)]:  # np.zeros, then a mapping
        a = zeros_float32(shape)
        assert a.shape == shape and a.dtype == np.float32
        assert a.flags.c_contiguous and a.flags.writeable
        assert not a.any()
        a[-1] = 1
        b = pickle.loads(pickle.dumps(a))
        np.testing.assert_array_equal(a, b)


def _pipeline(target: Dict):
    cfgs = [dict(type='UniformSampleFrames', clip_len=6, num_clips=2,
                 test_mode=True),
            dict(type='PoseDecode'),
            dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
            dict(type='Resize', scale=(-1, 24)),
            target,
            dict(type='FormatShape', input_format='NCTHW_Heatmap'),
            dict(type='PackActionInputs')]
    transforms = [TRANSFORMS.build(c) for c in cfgs]

    def run(results):
        for t in transforms:
            results = t(results)
        return results
    return run


@pytest.mark.parametrize('opts', [
    dict(with_kp=True, with_limb=False, double=True),
    dict(with_kp=False, with_limb=True, scaling=0.5)])
def test_posec3d_pipeline(opts):
    rng = np.random.default_rng(3)
    pose = random_pose(rng, 2, 15, 17, img_shape=(120, 160))
    sample = dict(pose, total_frames=15, start_index=0, modality='Pose',
                  label=1)
    ref = _pipeline(dict(type='GeneratePoseTarget', **opts))(
        copy.deepcopy(sample))
    got = _pipeline(dict(type='FastGeneratePoseTarget', **opts))(
        copy.deepcopy(sample))
    assert got['inputs'].shape == ref['inputs'].shape
    assert got['inputs'].dtype == ref['inputs'].dtype
    np.testing.assert_allclose(got['inputs'].numpy(), ref['inputs'].numpy(),
                               rtol=0, atol=ATOL)


def test_benchmark_tool_smoke(tmp_path, capsys):
    path = Path(__file__).resolve().parents[2] / 'tools' / 'benchmark' / \
        'heatmaps.py'
    spec = importlib.util.spec_from_file_location('heatmaps_bench', path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / 'bench.json'
    assert bench.main(['--num-samples', '2', '--frames', '3',
                       '--out', str(out)]) == 0
    report = json.loads(out.read_text())
    assert len(report['results']) == 6
    for row in report['results']:
        assert row['max_abs_diff'] < ATOL
        assert row['fast_ms_per_sample'] > 0
    assert 'summary: speedup' in capsys.readouterr().out
