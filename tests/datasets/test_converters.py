"""Converters of real skeleton formats to the PoseDataset pickle.

Every source format is written from within the tests (an NTU ``.skeleton``
text file, a Penn Action ``.mat``, NW-UCLA json, ``.npy`` arrays), converted,
and compared with what was written. Tests on the shipped real pickles skip
when ``../shared/data`` is absent.
"""
import importlib.util
import json
import os
import pickle
import subprocess
import sys
import types
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pytest

from vlalign.data_prep.converters import (
    NTU_TRACKING_SCORES, NW_UCLA_CLASSES, PENN_ACTION_CLASSES,
    PENN_ACTION_JOINTS,
    EmptySkeletonError, build_pose_pickle, convert_ntu_skeletons,
    convert_numpy_sequences, convert_nw_ucla, convert_penn_action,
    ntu_splits, parse_joint_names, parse_ntu_name, project_pinhole,
    read_label_list, read_ntu_skeleton, read_nw_ucla_json,
    read_penn_action_mat, reorder_annotations)
from vlalign.datasets.pose_io import load_pose_annotations
from vlalign.structures import LAYOUTS
from vlalign.utils.errors import ConfigError, DataError

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'
PENN_PKL = SHARED_DATA / 'penn_action' / 'penn_action_pyskl.pkl'
UCLA_PKL = SHARED_DATA / 'nw_ucla' / 'nw_ucla_pyskl.pkl'

GCN_PIPELINE = [dict(type='UniformSampleFrames', clip_len=4),
                dict(type='PoseDecode'),
                dict(type='FormatGCNInput', num_person=2),
                dict(type='PackActionInputs')]


def _load_tool(name: str) -> types.ModuleType:
    """Import ``tools/data/<name>.py`` as a module (``tools`` is no package)."""
    spec = importlib.util.spec_from_file_location(
        f'vlalign_tools_data_{name}', REPO_ROOT / 'tools' / 'data' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tool_env() -> Dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1',
               CUDA_VISIBLE_DEVICES='')
    return env


def _check_pose_dataset(path: Path, split: str, num_samples: int) -> None:
    """The pickle loads with mmaction2's PoseDataset and yields samples."""
    from mmaction.datasets import PoseDataset
    ds = PoseDataset(str(path), GCN_PIPELINE, split=split)
    assert len(ds) == num_samples
    sample = ds[0]
    assert sample['inputs'].shape[:2] == (1, 2)  # [num_clips, M, T, V, C]
    assert sample['inputs'].shape[2] == 4  # clip_len


# --------------------------------------------------------------------- NTU
def ntu_joints(rng: np.random.Generator, num_joints: int = 25,
               states: Sequence[int] = ()) -> np.ndarray:
    """Random float32 ``[V, 12]`` joint lines; the last column the state."""
    j = rng.uniform(-1, 1, (num_joints, 12)).astype(np.float32)
    j[:, 2] += 3  # z in front of the camera
    j[:, 5] = rng.uniform(0, 1920, num_joints)
    j[:, 6] = rng.uniform(0, 1080, num_joints)
    j[:, 11] = 2
    j[:len(states), 11] = states
    return j


def write_ntu(path: Path, frames: List[List[Tuple[str, np.ndarray]]]) -> Path:
    """Write an NTU ``.skeleton`` file; ``frames[t]`` lists (bodyID, joints)."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, joints in bodies:
            lines.append(f'{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2')
            lines.append(str(len(joints)))
            for row in joints:
                vals = [repr(float(v)) for v in row[:11]] + [str(int(row[11]))]
                lines.append(' '.join(vals))
    path.write_text('\n'.join(lines) + '\n')
    return path


@pytest.fixture
def ntu_sample(tmp_path: Path) -> Dict:
    """Two actors (A in 3 frames, B in 2), a false body C in 1 frame, and a
    frame without any body."""
    rng = np.random.default_rng(0)
    a = [ntu_joints(rng, states=(1, 0)) for _ in range(3)]
    b = [ntu_joints(rng) for _ in range(2)]
    c = ntu_joints(rng)
    frames = [[('72057594037931101', a[0]), ('72057594037931102', b[0])],
              [('72057594037931102', b[1]), ('72057594037931101', a[1]),
               ('72057594037931199', c)],
              [],
              [('72057594037931101', a[2])]]
    path = write_ntu(tmp_path / 'S001C002P003R002A013.skeleton', frames)
    return dict(path=path, a=a, b=b, c=c)


def test_ntu_reads_bodies_scores_and_empty_frame(ntu_sample):
    a, b = ntu_sample['a'], ntu_sample['b']
    anno = read_ntu_skeleton(str(ntu_sample['path']))
    assert anno['frame_dir'] == 'S001C002P003R002A013'
    assert anno['label'] == 12
    assert anno['img_shape'] == anno['original_shape'] == (1080, 1920)
    assert anno['total_frames'] == 4
    kp, score = anno['keypoint'], anno['keypoint_score']
    assert kp.shape == (2, 4, 25, 2) and kp.dtype == np.float32
    assert score.shape == (2, 4, 25) and score.dtype == np.float32
    assert anno['keypoint_3d'].shape == (2, 4, 25, 3)
    # A (3 frames) is person 0 in frames 0, 1, 3; B (2 frames) person 1.
    for t, joints in zip((0, 1, 3), a):
        np.testing.assert_array_equal(kp[0, t], joints[:, 5:7])
        np.testing.assert_array_equal(anno['keypoint_3d'][0, t], joints[:, :3])
    for t, joints in zip((0, 1), b):
        np.testing.assert_array_equal(kp[1, t], joints[:, 5:7])
    # absent: zeros with score 0 (the 0-body frame, B in frame 3)
    assert not kp[:, 2].any() and not score[:, 2].any()
    assert not kp[1, 3].any() and not score[1, 3].any()
    # tracking states 1 and 0 of A's first two joints, 2 elsewhere
    assert score[0, 0, 0] == NTU_TRACKING_SCORES[1] == 0.5
    assert score[0, 0, 1] == NTU_TRACKING_SCORES[0] == 0.0
    assert (score[0, 0, 2:] == 1.0).all() and (score[1, :2] == 1.0).all()


def test_ntu_person_selection(ntu_sample, tmp_path):
    three = read_ntu_skeleton(str(ntu_sample['path']), max_persons=3)
    assert three['keypoint'].shape[0] == 3
    np.testing.assert_array_equal(three['keypoint'][2, 1],
                                  ntu_sample['c'][:, 5:7])
    one = read_ntu_skeleton(str(ntu_sample['path']), max_persons=1)
    np.testing.assert_array_equal(one['keypoint'][0, 0],
                                  ntu_sample['a'][0][:, 5:7])
    # equal frame counts: the body that moves more comes first
    rng = np.random.default_rng(1)
    still = ntu_joints(rng, num_joints=5)
    moving = [ntu_joints(rng, num_joints=5) for _ in range(2)]
    moving[1][:, :3] += 1.0
    path = write_ntu(tmp_path / 'S002C001P001R001A001.skeleton',
                     [[('1', still), ('2', moving[0])],
                      [('1', still), ('2', moving[1])]])
    anno = read_ntu_skeleton(str(path))
    assert anno['keypoint'].shape == (2, 2, 5, 2)  # V read from the file
    np.testing.assert_array_equal(anno['keypoint'][0, 1], moving[1][:, 5:7])
    np.testing.assert_array_equal(anno['keypoint'][1, 1], still[:, 5:7])


def test_ntu_names_and_splits():
    assert parse_ntu_name('x/S017C003P020R002A060.skeleton') == dict(
        setup=17, camera=3, performer=20, replication=2, action=60)
    names = ['S001C001P001R001A001', 'S001C002P003R001A002',
             'S001C003P038R001A003']
    splits = ntu_splits(names)
    assert splits['xsub_train'] == [names[0], names[2]]
    assert splits['xsub_val'] == [names[1]]
    assert splits['xview_train'] == names[1:]
    assert splits['xview_val'] == [names[0]]
    assert set(ntu_splits(names, ['xview'])) == {'xview_train', 'xview_val'}
    with pytest.raises(DataError, match='not an NTU sample name'):
        parse_ntu_name('clip_01')
    with pytest.raises(DataError, match='unknown NTU protocols'):
        ntu_splits(names, ['xset'])


def test_ntu_malformed_files_name_file_and_line(tmp_path):
    rng = np.random.default_rng(0)
    good = write_ntu(tmp_path / 'S001C001P001R001A001.skeleton',
                     [[('1', ntu_joints(rng))]])
    lines = good.read_text().splitlines()
    truncated = tmp_path / 'S001C001P001R001A002.skeleton'
    truncated.write_text('\n'.join(lines[:10]))
    with pytest.raises(DataError, match=f'{truncated}: ends at line 10'):
        read_ntu_skeleton(str(truncated))
    garbled = tmp_path / 'S001C001P001R001A003.skeleton'
    garbled.write_text('\n'.join(lines[:4] + ['1 2 x'] + lines[5:]))
    with pytest.raises(DataError, match=f'{garbled}:5: a joint line needs 12'):
        read_ntu_skeleton(str(garbled))
    empty = write_ntu(tmp_path / 'S001C001P001R001A004.skeleton', [[], []])
    with pytest.raises(EmptySkeletonError, match='no body in any of its 2'):
        read_ntu_skeleton(str(empty))


def test_ntu_directory_round_trip(ntu_sample, tmp_path):
    src = ntu_sample['path'].parent
    rng = np.random.default_rng(2)
    write_ntu(src / 'S001C001P001R001A002.skeleton',
              [[('7', ntu_joints(rng))], [('7', ntu_joints(rng))]])
    write_ntu(src / 'S001C001P002R001A003.skeleton', [[]])  # no body at all
    result = convert_ntu_skeletons(str(src))
    assert [a['frame_dir'] for a in result.annotations] == [
        'S001C001P001R001A002', 'S001C002P003R002A013']
    assert len(result.skipped) == 1 and 'P002' in result.skipped[0]
    out = Path(build_pose_pickle(result.annotations, result.splits,
                                 str(tmp_path / 'out' / 'ntu.pkl')))
    assert load_pose_annotations(str(out), 'xsub_train')[0]['label'] == 1
    loaded = load_pose_annotations(str(out), 'xview_train')
    assert [a['frame_dir'] for a in loaded] == ['S001C002P003R002A013']
    expected = read_ntu_skeleton(str(ntu_sample['path']))
    for key in ('keypoint', 'keypoint_score', 'keypoint_3d'):
        np.testing.assert_array_equal(loaded[0][key], expected[key])
    _check_pose_dataset(out, 'xview_val', 1)
    with pytest.raises(EmptySkeletonError):
        convert_ntu_skeletons(str(src), skip_empty=False)


# -------------------------------------------------------------- Penn Action
def write_penn_mat(path: Path, action: str, x: np.ndarray, y: np.ndarray,
                   visibility: np.ndarray, dims: Tuple[int, int],
                   train: int, pose: str = 'front',
                   bbox: np.ndarray = None) -> Path:
    """Write a label ``.mat`` with Penn Action's fields."""
    from scipy.io import savemat
    num_frames = x.shape[0]
    if bbox is None:
        bbox = np.tile([1.0, 2.0, 30.0, 40.0], (num_frames, 1))
    savemat(str(path), dict(
        action=action, pose=pose, x=x.astype(np.float64),
        y=y.astype(np.float64), visibility=visibility.astype(np.uint8),
        bbox=bbox.astype(np.float64),
        dimensions=np.array([[dims[0], dims[1], num_frames]], np.uint16),
        nframes=np.array([[num_frames]]), train=np.array([[train]])))
    return path


def test_penn_action_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / 'labels'
    src.mkdir()
    written = {}
    for name, action, train, num_frames in (('0001', 'baseball_pitch', -1, 5),
                                            ('0002', 'tennis_serve', 1, 7)):
        x = rng.uniform(0, 480, (num_frames, 13)).astype(np.float32)
        y = rng.uniform(0, 270, (num_frames, 13)).astype(np.float32)
        vis = rng.integers(0, 2, (num_frames, 13))
        write_penn_mat(src / f'{name}.mat', action, x, y, vis, (270, 480),
                       train, pose='back')
        written[name] = (x, y, vis)
    result = convert_penn_action(str(src))
    assert result.splits == {'train': ['0002'], 'test': ['0001']}
    out = tmp_path / 'penn.pkl'
    build_pose_pickle(result.annotations, result.splits, str(out),
                      num_classes=len(PENN_ACTION_CLASSES))
    annos = {a['frame_dir']: a for a in load_pose_annotations(str(out))}
    assert annos['0001']['label'] == 0 and annos['0002']['label'] == 14
    for name, (x, y, vis) in written.items():
        anno = annos[name]
        assert anno['keypoint'].shape == (1, x.shape[0], 13, 2)
        np.testing.assert_array_equal(anno['keypoint'][0, ..., 0], x)
        np.testing.assert_array_equal(anno['keypoint'][0, ..., 1], y)
        np.testing.assert_array_equal(anno['keypoint_score'][0], vis)
        assert anno['img_shape'] == anno['original_shape'] == (270, 480)
        assert anno['total_frames'] == x.shape[0] and anno['view'] == 'back'
        assert anno['bbox'].shape == (x.shape[0], 4)
    from mmaction.datasets import PoseDataset
    assert len(PoseDataset(str(out), GCN_PIPELINE[:2], split='train')) == 1


def test_penn_action_bad_file_is_named(tmp_path):
    x = np.zeros((3, 13))
    bad = write_penn_mat(tmp_path / '0003.mat', 'curling', x, x, x,
                         (10, 10), 1)
    with pytest.raises(DataError, match=f'{bad}: unknown action "curling"'):
        read_penn_action_mat(str(bad))
    broken = tmp_path / '0004.mat'
    broken.write_bytes(b'not a mat file')
    with pytest.raises(DataError, match=f'{broken} is not a readable .mat'):
        read_penn_action_mat(str(broken))


# ------------------------------------------------------------------ NW-UCLA
def write_ucla_json(path: Path, name: str, skeletons: np.ndarray,
                    label: int) -> Path:
    path.write_text(json.dumps(dict(file_name=name,
                                    skeletons=skeletons.tolist(),
                                    label=label)))
    return path


def test_nw_ucla_round_trip_and_projection(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / 'all_sqe'
    src.mkdir()
    skels = {}
    for name, label in (('a01_s01_e00_v01', 1), ('a12_s02_e01_v03', 10)):
        skel = rng.uniform(-1, 1, (6, 20, 3)).astype(np.float32)
        skel[..., 2] += 3.0
        skels[name] = skel
        write_ucla_json(src / f'{name}.json', name, skel, label)
    skels['a01_s01_e00_v01'][2, 4] = 0  # a missing joint
    write_ucla_json(src / 'a01_s01_e00_v01.json', 'a01_s01_e00_v01',
                    skels['a01_s01_e00_v01'], 1)
    result = convert_nw_ucla(str(src))
    assert result.splits == {'xview_train': ['a01_s01_e00_v01'],
                             'xview_test': ['a12_s02_e01_v03']}
    out = tmp_path / 'ucla.pkl'
    build_pose_pickle(result.annotations, result.splits, str(out),
                      num_classes=len(NW_UCLA_CLASSES))
    annos = {a['frame_dir']: a for a in load_pose_annotations(str(out))}
    assert annos['a01_s01_e00_v01']['label'] == 0
    assert annos['a12_s02_e01_v03']['label'] == 9
    assert annos['a12_s02_e01_v03']['view'] == 3
    for name, skel in skels.items():
        anno = annos[name]
        assert anno['img_shape'] == (480, 640) and anno['total_frames'] == 6
        np.testing.assert_array_equal(anno['keypoint_3d'][0], skel)
        x, y, z = skel[..., 0], skel[..., 1], skel[..., 2]
        with np.errstate(divide='ignore', invalid='ignore'):
            expected = np.stack([525 * x / z + 320, 240 - 525 * y / z], -1)
        front = z > 0
        np.testing.assert_allclose(anno['keypoint'][0][front],
                                   expected[front], atol=1e-3)
        np.testing.assert_array_equal(anno['keypoint_score'][0], front)
    assert tuple(annos['a01_s01_e00_v01']['keypoint'][0, 2, 4]) == (320, 240)
    _check_pose_dataset(out, 'xview_train', 1)


def test_nw_ucla_bad_json_is_named(tmp_path):
    bad = tmp_path / 'a01_s01_e00_v01.json'
    bad.write_text('{"skeletons": [[[0, 0, 1]]], "label": 11}')
    with pytest.raises(DataError, match=f'{bad}: label 11'):
        read_nw_ucla_json(str(bad))
    bad.write_text('{"skeletons": [[[0, 0]]], "label": 1}')
    with pytest.raises(DataError, match=r'skeletons have shape \(1, 1, 2\)'):
        read_nw_ucla_json(str(bad))


# -------------------------------------------------------------------- numpy
def test_numpy_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / 'npy'
    src.mkdir()
    one = rng.uniform(0, 100, (5, 7, 3)).astype(np.float32)  # [T, V, x y s]
    two = rng.uniform(0, 50, (2, 4, 7, 2)).astype(np.float32)  # [M, T, V, xy]
    np.save(src / 'walk_01.npy', one)
    np.save(src / 'jump_01.npy', two)
    np.save(src / 'unlisted.npy', two)
    labels = tmp_path / 'labels.csv'
    labels.write_text('name,label,split\nwalk_01,0,train\n'
                      '# a comment\njump_01.npy,3,test\n')
    result = convert_numpy_sequences(str(src), str(labels))
    assert result.splits == {'train': ['walk_01'], 'test': ['jump_01']}
    out = tmp_path / 'np.pkl'
    build_pose_pickle(result.annotations, result.splits, str(out))
    walk, jump = load_pose_annotations(str(out))
    np.testing.assert_array_equal(walk['keypoint'][0], one[..., :2])
    np.testing.assert_array_equal(walk['keypoint_score'][0], one[..., 2])
    np.testing.assert_array_equal(jump['keypoint'], two)
    assert (jump['keypoint_score'] == 1).all()
    assert (walk['label'], jump['label']) == (0, 3)
    assert walk['img_shape'] == (int(np.ceil(one[..., 1].max())),
                                 int(np.ceil(one[..., 0].max())))
    fixed = convert_numpy_sequences(str(src), str(labels), img_shape=(64, 80))
    assert {a['img_shape'] for a in fixed.annotations} == {(64, 80)}


def test_numpy_label_list_and_errors(tmp_path):
    labels = tmp_path / 'labels.txt'
    labels.write_text('a 1\nb\t2\n')
    assert read_label_list(str(labels)) == [('a', 1, None), ('b', 2, None)]
    labels.write_text('a 1\nb two\n')
    with pytest.raises(DataError, match=f'{labels}:2: label "two"'):
        read_label_list(str(labels))
    labels.write_text('a 1\nb 2 train\n')
    with pytest.raises(DataError, match='some lines give a split'):
        read_label_list(str(labels))
    labels.write_text('a 1\n')
    with pytest.raises(DataError, match=r"no .npy in .*\['a'\]"):
        convert_numpy_sequences(str(tmp_path), str(labels))
    np.save(tmp_path / 'a.npy', np.zeros((3, 4)))
    with pytest.raises(DataError, match=f'{tmp_path / "a.npy"}: shape'):
        convert_numpy_sequences(str(tmp_path), str(labels))


# ------------------------------------------------------------ pickle writer
def _anno(name: str, label: int = 0, **kw) -> Dict:
    anno = dict(frame_dir=name, label=label, img_shape=(10, 10),
                original_shape=(10, 10), total_frames=3,
                keypoint=np.zeros((1, 3, 4, 2), np.float32),
                keypoint_score=np.ones((1, 3, 4), np.float32))
    anno.update(kw)
    return anno


def test_build_pose_pickle_is_atomic(tmp_path):
    out = tmp_path / 'data.pkl'
    build_pose_pickle([_anno('a')], {'train': ['a']}, str(out),
                      extra={'joints': ['j0', 'j1', 'j2', 'j3']})
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['split'] == {'train': ['a']} and data['joints'][0] == 'j0'
    before = out.read_bytes()
    with pytest.raises(DataError, match=r'not written: 2 problems.*"b".*'
                       r'label 5 is out of range \[0, 3\).*unknown'):
        build_pose_pickle([_anno('b', label=5)], {'train': ['zz']}, str(out),
                          num_classes=3)
    # an error while pickling (a lambda) leaves no temporary file behind
    with pytest.raises(Exception):
        build_pose_pickle([_anno('c')], None, str(out),
                          extra={'bad': lambda: None})
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['data.pkl']
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


# ---------------------------------------------------------------- the tools
TOOLS = ('convert_ntu_skeleton', 'convert_penn_action', 'convert_nw_ucla',
         'convert_numpy', 'validate_pose_pickle')


def test_tools_help_is_fast_and_useful():
    for tool in TOOLS:
        proc = subprocess.run(
            [sys.executable, str(REPO_ROOT / 'tools' / 'data' / f'{tool}.py'),
             '--help'], capture_output=True, text=True, env=_tool_env(),
            timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert 'usage:' in proc.stdout and 'PoseDataset' in proc.stdout


def test_convert_numpy_tool_runs(tmp_path):
    """A real subprocess, as a user runs it (the others run in-process)."""
    np.save(tmp_path / 's1.npy', np.ones((4, 5, 2), np.float32))
    (tmp_path / 'labels.txt').write_text('s1 2 train\n')
    out = tmp_path / 'o.pkl'
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools' / 'data' / 'convert_numpy.py'),
         str(tmp_path), str(tmp_path / 'labels.txt'), str(out),
         '--img-shape', '8', '8'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=_tool_env(), timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert f'Wrote {out}: 1 samples (train=1)' in proc.stdout
    assert load_pose_annotations(str(out), 'train')[0]['img_shape'] == (8, 8)


def test_converter_tools_in_process(tmp_path, ntu_sample, capsys):
    ntu = _load_tool('convert_ntu_skeleton')
    out = tmp_path / 'ntu.pkl'
    assert ntu.main([str(ntu_sample['path'].parent), str(out),
                     '--protocol', 'xview', '--max-persons', '3']) == 0
    assert 'xview_train=1 xview_val=0' in capsys.readouterr().out
    assert load_pose_annotations(str(out))[0]['keypoint'].shape[0] == 3

    penn_dir = tmp_path / 'labels'
    penn_dir.mkdir()
    x = np.ones((4, 13))
    write_penn_mat(penn_dir / '0001.mat', 'bowl', x, x, x, (20, 30), 1)
    penn = _load_tool('convert_penn_action')
    classes = tmp_path / 'penn_classes.txt'
    assert penn.main([str(penn_dir), str(tmp_path / 'penn.pkl'),
                      '--class-file', str(classes)]) == 0
    with open(tmp_path / 'penn.pkl', 'rb') as f:
        assert len(pickle.load(f)['joints']) == 13
    assert classes.read_text().splitlines()[3] == 'bowl'

    ucla_dir = tmp_path / 'ucla'
    ucla_dir.mkdir()
    write_ucla_json(ucla_dir / 'a01_s01_e00_v03.json', 'a01_s01_e00_v03',
                    np.ones((2, 20, 3), np.float32), 4)
    ucla = _load_tool('convert_nw_ucla')
    assert ucla.main([str(ucla_dir), str(tmp_path / 'ucla.pkl')]) == 0
    assert 'xview_test=1' in capsys.readouterr().out


def test_converter_tools_bad_input_exit_1(tmp_path, capsys):
    bad_dir = tmp_path / 'src'
    bad_dir.mkdir()
    bad = bad_dir / 'S001C001P001R001A001.skeleton'
    bad.write_text('2\n1\n')
    assert _load_tool('convert_ntu_skeleton').main(
        [str(bad_dir), str(tmp_path / 'o.pkl')]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith('error: ') and str(bad) in err
    (bad_dir / '0001.mat').write_bytes(b'junk')
    assert _load_tool('convert_penn_action').main(
        [str(bad_dir), str(tmp_path / 'o.pkl')]) == 1
    assert str(bad_dir / '0001.mat') in capsys.readouterr().err
    assert _load_tool('convert_nw_ucla').main(
        [str(bad_dir), str(tmp_path / 'o.pkl')]) == 1
    assert f'{bad_dir} holds no .json file' in capsys.readouterr().err
    labels = tmp_path / 'labels.txt'
    labels.write_text('x 1\n')
    assert _load_tool('convert_numpy').main(
        [str(bad_dir), str(labels), str(tmp_path / 'o.pkl')]) == 1
    assert str(labels) in capsys.readouterr().err
    assert not (tmp_path / 'o.pkl').exists()


# ------------------------------------------------------ reordering joints
KINECT = LAYOUTS['kinect_v1_20']
# Kinect v1's 20 joints stored with the head first (the spine top-down).
HEAD_FIRST = ['head', 'shoulder_center', 'spine', 'hip_center'] + \
    list(KINECT.joints[4:])


def _coded_sequence(num_frames: int = 3, num_joints: int = 20) -> np.ndarray:
    """``[T, V, 3]``: x = 100 * source joint + frame, y = source joint,
    score = (source joint + 1) / 100, so every value says where it came from."""
    t, v = np.meshgrid(np.arange(num_frames), np.arange(num_joints),
                       indexing='ij')
    return np.stack([100 * v + t, v, (v + 1) / 100], -1).astype(np.float32)


def test_numpy_tool_reorders_a_head_first_kinect_into_kinect_v1_20(
        tmp_path, capsys):
    np.save(tmp_path / 's1.npy', _coded_sequence())
    (tmp_path / 'labels.txt').write_text('s1 0 train\n')
    names = tmp_path / 'joints.txt'
    names.write_text('# the recording order\n' + '\n'.join(HEAD_FIRST) + '\n')
    out = tmp_path / 'o.pkl'
    assert _load_tool('convert_numpy').main(
        [str(tmp_path), str(tmp_path / 'labels.txt'), str(out),
         '--joint-names', str(names), '--target-layout', 'kinect_v1_20']) == 0
    assert 'Wrote' in capsys.readouterr().out
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['joints'] == list(KINECT.joints)
    kp = data['annotations'][0]['keypoint'][0]  # [T, V, 2]
    score = data['annotations'][0]['keypoint_score'][0]
    # By hand: the hip centre (kinect_v1_20 joint 0) was stored 4th, the
    # head (joint 3) 1st, the spine (1) 3rd; limbs kept their places.
    for target, source in ((0, 3), (1, 2), (2, 1), (3, 0), (4, 4), (19, 19)):
        np.testing.assert_array_equal(kp[:, target, 0],
                                      100 * source + np.arange(3))
        np.testing.assert_array_equal(kp[:, target, 1], source)
        np.testing.assert_allclose(score[:, target], (source + 1) / 100)
    # Every joint, by name.
    for target, name in enumerate(KINECT.joints):
        assert kp[0, target, 1] == HEAD_FIRST.index(name)
    ann = load_pose_annotations(str(out), 'train')[0]
    assert ann['keypoint'].shape == (1, 3, 20, 2)


def test_nw_ucla_tool_reorders_3d_joints_too(tmp_path):
    src = tmp_path / 'ucla'
    src.mkdir()
    skel = _coded_sequence(2) / 100 + np.float32([0, 0, 3])  # z > 0
    write_ucla_json(src / 'a01_s01_e00_v01.json', 'a01_s01_e00_v01', skel, 1)
    out = tmp_path / 'ucla.pkl'
    assert _load_tool('convert_nw_ucla').main(
        [str(src), str(out), '--joint-names', ','.join(HEAD_FIRST),
         '--target-layout', 'kinect_v1_20']) == 0
    anno = load_pose_annotations(str(out))[0]
    perm = [HEAD_FIRST.index(n) for n in KINECT.joints]
    np.testing.assert_array_equal(anno['keypoint_3d'][0], skel[:, perm])
    np.testing.assert_array_equal(anno['keypoint'][0],
                                  project_pinhole(skel)[:, perm])


@pytest.mark.parametrize('argv, message', [
    (['--joint-names', ','.join(HEAD_FIRST[:-1])],
     "--joint-names and --target-layout go together"),
    (['--joint-names', ','.join(HEAD_FIRST[1:]), '--target-layout',
      'kinect_v1_20'], "missing ['head'], not in the layout []"),
    (['--joint-names', ','.join(['neck'] + HEAD_FIRST[1:]), '--target-layout',
      'kinect_v1_20'], "missing ['head'], not in the layout ['neck']"),
    (['--joint-names', ','.join(HEAD_FIRST + ['head']), '--target-layout',
      'kinect_v1_20'], "joint names ['head'] are given more than once"),
    (['--joint-names', ','.join(HEAD_FIRST), '--target-layout', 'kinect'],
     'unknown skeleton layout "kinect"'),
    (['--joint-names', 'nowhere.txt', '--target-layout', 'kinect_v1_20'],
     'neither a file nor a comma-separated list'),
])
def test_joint_order_errors_exit_1_naming_the_joints(tmp_path, capsys, argv,
                                                     message):
    np.save(tmp_path / 's1.npy', _coded_sequence())
    (tmp_path / 'labels.txt').write_text('s1 0\n')
    out = tmp_path / 'o.pkl'
    assert _load_tool('convert_numpy').main(
        [str(tmp_path), str(tmp_path / 'labels.txt'), str(out)] + argv) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_reorder_names_the_sample_with_another_joint_count(tmp_path):
    result = convert_numpy_sequences(str(_write_one(tmp_path, 25)),
                                     str(tmp_path / 'labels.txt'))
    with pytest.raises(DataError, match=r'sample "s1": keypoint has shape '
                       r'\(1, 3, 25, 2\), expected 20 joints'):
        reorder_annotations(result.annotations, HEAD_FIRST, 'kinect_v1_20')


def _write_one(tmp_path: Path, num_joints: int) -> Path:
    np.save(tmp_path / 's1.npy', _coded_sequence(num_joints=num_joints))
    (tmp_path / 'labels.txt').write_text('s1 0\n')
    return tmp_path


def test_parse_joint_names(tmp_path):
    path = tmp_path / 'names.txt'
    path.write_text('head, neck  # two on a line\n\nhip\n')
    assert parse_joint_names(str(path)) == ['head', 'neck', 'hip']
    assert parse_joint_names('a,b, c') == ['a', 'b', 'c']
    path.write_text('# nothing\n')
    with pytest.raises(ConfigError, match='holds no joint names'):
        parse_joint_names(str(path))


# ------------------------------------------------- the shipped real pickles
@pytest.fixture(scope='module')
def ucla_shipped() -> Dict:
    if not UCLA_PKL.is_file():
        pytest.skip(f'{UCLA_PKL} is absent')
    with open(UCLA_PKL, 'rb') as f:
        return pickle.load(f)


@pytest.fixture(scope='module')
def penn_shipped() -> Dict:
    if not PENN_PKL.is_file():
        pytest.skip(f'{PENN_PKL} is absent')
    with open(PENN_PKL, 'rb') as f:
        return pickle.load(f)


def test_shipped_nw_ucla_projection_is_recovered(ucla_shipped):
    worst = 0.0
    for anno in ucla_shipped['annotations']:
        projected = project_pinhole(anno['keypoint_3d'])
        worst = max(worst, float(np.abs(projected - anno['keypoint']).max()))
    assert worst < 1e-3


def test_shipped_nw_ucla_conversion_matches(ucla_shipped, tmp_path):
    """json written from shipped samples converts back to the same sample."""
    picked = ucla_shipped['annotations'][::150]
    for anno in picked:
        write_ucla_json(tmp_path / f'{anno["frame_dir"]}.json',
                        anno['frame_dir'], anno['keypoint_3d'][0],
                        anno['label'] + 1)
    result = convert_nw_ucla(str(tmp_path))
    for ref, got in zip(picked, result.annotations):
        for key in ('frame_dir', 'label', 'img_shape', 'original_shape',
                    'total_frames', 'view'):
            assert got[key] == ref[key], key
        np.testing.assert_array_equal(got['keypoint'], ref['keypoint'])
        np.testing.assert_array_equal(got['keypoint_3d'], ref['keypoint_3d'])
        front = ref['keypoint_3d'][..., 2] > 0
        np.testing.assert_array_equal(got['keypoint_score'][front],
                                      ref['keypoint_score'][front])
    train = set(ucla_shipped['split']['xview_train'])
    assert all((a['frame_dir'] in train) == (a['frame_dir'] in
               result.splits['xview_train']) for a in picked)


def test_shipped_penn_action_conversion_matches(penn_shipped, tmp_path):
    """.mat files written from shipped samples convert back to them."""
    picked = penn_shipped['annotations'][::200]
    train = set(penn_shipped['split']['train'])
    for anno in picked:
        kp = anno['keypoint'][0]
        write_penn_mat(tmp_path / f'{anno["frame_dir"]}.mat',
                       PENN_ACTION_CLASSES[anno['label']].replace(' ', '_'),
                       kp[..., 0], kp[..., 1], anno['keypoint_score'][0],
                       anno['img_shape'], 1 if anno['frame_dir'] in train else -1,
                       pose=anno['view'], bbox=anno['bbox'])
    result = convert_penn_action(str(tmp_path))
    for ref, got in zip(picked, result.annotations):
        assert set(got) == set(ref)
        for key in ('frame_dir', 'label', 'img_shape', 'original_shape',
                    'total_frames', 'view'):
            assert got[key] == ref[key], key
        for key in ('keypoint', 'keypoint_score', 'bbox'):
            np.testing.assert_array_equal(got[key], ref[key])
    assert result.splits['train'] == [a['frame_dir'] for a in picked
                                      if a['frame_dir'] in train]
    assert list(penn_shipped['joints']) == list(PENN_ACTION_JOINTS)
