"""Tests of the embedded demo data generator (vlalign.data_prep.demo)."""
import os
import pickle

import numpy as np
import pytest

from vlalign.data_prep.demo import (ACTIONS, CLASSES, SEEN, UNSEEN,
                                   generate_demo_dataset, generate_sequence)

SIZES = {'train': 6, 'val': 2, 'test': 3}


@pytest.fixture(scope='module')
def demo_dir(tmp_path_factory) -> str:
    """A small demo dataset (all classes, seed 0), generated once."""
    out = str(tmp_path_factory.mktemp('demo'))
    generate_demo_dataset(out, SIZES, seed=0)
    return out


def _load(out_dir: str) -> dict:
    with open(os.path.join(out_dir, 'demo_skeleton.pkl'), 'rb') as f:
        return pickle.load(f)


def _read_lines(path: str) -> list:
    with open(path, encoding='utf-8') as f:
        return f.read().splitlines()


def test_generation_is_deterministic(demo_dir, tmp_path):
    small = {'train': 2, 'val': 1, 'test': 1}
    runs = [generate_demo_dataset(str(tmp_path / f'run{i}'), small, seed=0)
            for i in range(2)]
    for name in ('ann_file', 'classes_file', 'seen_file', 'unseen_file'):
        with open(runs[0][name], 'rb') as f0, open(runs[1][name], 'rb') as f1:
            assert f0.read() == f1.read(), name  # byte-identical files

    # Each sample has its own seed: the same samples as in the bigger set.
    ref = {a['frame_dir']: a for a in _load(demo_dir)['annotations']}
    annos = _load(runs[0]['out_dir'])['annotations']
    assert len(annos) == 4 * len(CLASSES)
    for a in annos:
        same = ref[a['frame_dir']]
        np.testing.assert_array_equal(a['keypoint'], same['keypoint'])
        np.testing.assert_array_equal(a['keypoint_score'], same['keypoint_score'])

    # Another seed gives other samples.
    other = generate_demo_dataset(str(tmp_path / 'other'), {'train': 1}, seed=1)
    diff = _load(other['out_dir'])['annotations']
    assert len(diff) == len(CLASSES)
    assert all(not np.array_equal(a['keypoint'], ref[a['frame_dir']]['keypoint'])
               for a in diff)

    # Same generator state -> same sample; a different one -> another sample.
    a = generate_sequence('wave the left hand', np.random.default_rng(3))
    b = generate_sequence('wave the left hand', np.random.default_rng(3))
    c = generate_sequence('wave the left hand', np.random.default_rng(4))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_pickle_has_pose_dataset_format(demo_dir):
    data = _load(demo_dir)
    assert set(data) == {'split', 'annotations'}
    split, annos = data['split'], data['annotations']
    assert set(split) == {'train', 'val', 'test'}
    for name, n in SIZES.items():
        assert len(split[name]) == n * len(CLASSES)
    ids = [a['frame_dir'] for a in annos]
    assert len(set(ids)) == len(ids)  # unique
    listed = split['train'] + split['val'] + split['test']
    assert len(set(listed)) == len(listed)  # splits are disjoint ...
    assert set(listed) == set(ids)  # ... and cover every annotation

    keys = {'frame_dir', 'label', 'img_shape', 'original_shape',
            'total_frames', 'keypoint', 'keypoint_score'}
    labels = set()
    for a in annos:
        assert set(a) == keys
        assert isinstance(a['frame_dir'], str)
        assert isinstance(a['label'], int) and 0 <= a['label'] < len(CLASSES)
        labels.add(a['label'])
        h, w = a['img_shape']
        assert a['img_shape'] == a['original_shape'] == (256, 256)
        t = a['total_frames']
        assert isinstance(t, int) and 40 <= t <= 80
        kp, score = a['keypoint'], a['keypoint_score']
        assert kp.dtype == np.float32 and kp.shape == (1, t, 17, 2)
        assert score.dtype == np.float32 and score.shape == (1, t, 17)
        assert np.isfinite(kp).all() and np.isfinite(score).all()
        assert (kp[..., 0] >= 0).all() and (kp[..., 0] <= w - 1).all()
        assert (kp[..., 1] >= 0).all() and (kp[..., 1] <= h - 1).all()
        assert (score > 0).all() and (score <= 1).all()
    assert labels == set(range(len(CLASSES)))


def test_class_files_and_zero_shot_split(demo_dir):
    classes = _read_lines(os.path.join(demo_dir, 'classes.txt'))
    seen = _read_lines(os.path.join(demo_dir, 'seen.txt'))
    unseen = _read_lines(os.path.join(demo_dir, 'unseen.txt'))
    assert classes == list(CLASSES)
    assert seen == list(SEEN) and unseen == list(UNSEEN)
    assert len(set(classes)) == len(classes)
    assert not set(seen) & set(unseen)
    assert set(seen) | set(unseen) == set(classes)
    assert len(seen) >= 20 and len(unseen) >= 5

    # Every unseen class recombines a seen verb with a seen (part, side).
    specs = {a.name: a for a in ACTIONS}
    seen_verbs = {specs[n].verb for n in seen}
    seen_parts = {(specs[n].part, specs[n].side) for n in seen}
    for name in unseen:
        spec = specs[name]
        assert spec.verb in seen_verbs, name
        assert (spec.part, spec.side) in seen_parts, name


def test_loads_with_mmaction_pose_dataset(demo_dir):
    import vlalign  # noqa: F401  (applies the mmaction2 import fixes first)
    from mmaction.datasets import PoseDataset
    from mmengine.registry import DefaultScope

    pipeline = [
        dict(type='UniformSampleFrames', clip_len=16),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    with DefaultScope.overwrite_default_scope('mmaction'):
        dataset = PoseDataset(
            os.path.join(demo_dir, 'demo_skeleton.pkl'), pipeline, split='train')
    assert len(dataset) == SIZES['train'] * len(CLASSES)
    sample = dataset[len(dataset) - 1]
    # FormatGCNInput appends the score as a third channel:
    # [num_clips, num_person, clip_len, joints, (x, y, score)].
    assert tuple(sample['inputs'].shape) == (1, 1, 16, 17, 3)
    assert int(sample['data_samples'].gt_label) == len(CLASSES) - 1


def _features(keypoint: np.ndarray) -> np.ndarray:
    """Per-joint mean and std over time of body-normalised coordinates.

    Args:
        keypoint (np.ndarray): [1, T, 17, 2] pixels.

    Returns:
        np.ndarray: [136] features.
    """
    kp = keypoint[0]
    hip, shoulder = kp[:, 11:13].mean(1), kp[:, 5:7].mean(1)
    torso = np.linalg.norm(shoulder - hip, axis=1).mean()
    z = (kp - hip.mean(0)) / torso  # position- and size-invariant
    return np.concatenate([z.mean(0).ravel(), z.std(0).ravel()])


def test_seen_classes_are_separable(demo_dir):
    data = _load(demo_dir)
    split = {s: set(v) for s, v in data['split'].items()}
    seen = {CLASSES.index(n) for n in SEEN}
    feats = {'train': ([], []), 'test': ([], [])}
    for a in data['annotations']:
        for s, (x, y) in feats.items():
            if a['frame_dir'] in split[s] and a['label'] in seen:
                x.append(_features(a['keypoint']))
                y.append(a['label'])
    x_tr, y_tr = map(np.array, feats['train'])
    x_te, y_te = map(np.array, feats['test'])
    mean, std = x_tr.mean(0), x_tr.std(0) + 1e-6
    x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
    labels = np.unique(y_tr)
    centroids = np.stack([x_tr[y_tr == c].mean(0) for c in labels])
    dist = ((x_te[:, None] - centroids[None]) ** 2).sum(-1)
    acc = (labels[dist.argmin(1)] == y_te).mean()
    # Chance is 1 / 24; the generator is meant to be learnable.
    assert acc > 0.5, acc
