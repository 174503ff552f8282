"""The PoseDataset validator reports every malformed annotation, by name."""
import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Dict

import numpy as np
import pytest

from vlalign.data_prep.validation import (check_pose_file, validate_annotations,
                                         validate_pose_file)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'
TOOL = REPO_ROOT / 'tools' / 'data' / 'validate_pose_pickle.py'


def good(name: str, label: int = 0, num_frames: int = 4, num_joints: int = 13,
         num_persons: int = 1) -> Dict:
    """A well-formed annotation (V is not 17 on purpose)."""
    shape = (num_persons, num_frames, num_joints)
    return dict(frame_dir=name, label=label, img_shape=(48, 64),
                original_shape=(48, 64), total_frames=num_frames,
                keypoint=np.random.rand(*shape, 2).astype(np.float32),
                keypoint_score=np.ones(shape, np.float32))


def broken_annotations() -> Dict[str, Dict]:
    """Distinct malformed annotations, by the name the report must use."""
    nan = good('nan_kp')
    nan['keypoint'][0, 1, 2, 0] = np.nan
    no_kp = good('no_keypoint')
    del no_kp['keypoint']
    return {
        'no_keypoint': no_kp,
        'int_kp': dict(good('int_kp'),
                       keypoint=np.zeros((1, 4, 13, 2), np.int64)),
        'rank3_kp': dict(good('rank3_kp'),
                         keypoint=np.zeros((4, 13, 2), np.float32)),
        'wide_kp': dict(good('wide_kp'),
                        keypoint=np.zeros((1, 4, 13, 5), np.float32)),
        'score_shape': dict(good('score_shape'),
                            keypoint_score=np.ones((1, 4, 12), np.float32)),
        'nan_kp': nan,
        'zero_frames': dict(good('zero_frames', num_frames=0), total_frames=0),
        'frames_disagree': dict(good('frames_disagree'), total_frames=5),
        'float_label': dict(good('float_label'), label=1.0),
        'label_high': dict(good('label_high'), label=3),
        'label_negative': dict(good('label_negative'), label=-1),
        'bad_img_shape': dict(good('bad_img_shape'), img_shape=(48, )),
        # issue 17, item 5: these passed and then crashed the model
        'kp3_with_score': dict(good('kp3_with_score'),
                               keypoint=np.zeros((1, 4, 13, 3), np.float32)),
        'score_missing': {k: v for k, v in good('score_missing').items()
                          if k != 'keypoint_score'},
        'joints_17': good('joints_17', num_joints=17),
    }


# Which field each broken annotation's line must name.
FIELDS = {'no_keypoint': "missing keys ['keypoint']",
          'int_kp': 'keypoint is not a float array',
          'rank3_kp': 'keypoint has shape (4, 13, 2)',
          'wide_kp': 'keypoint has shape (1, 4, 13, 5)',
          'score_shape': 'keypoint_score has shape (1, 4, 12)',
          'nan_kp': 'keypoint has 1 NaN/inf',
          'zero_frames': 'total_frames is 0',
          'frames_disagree': 'total_frames 5 != keypoint.shape[1] 4',
          'float_label': 'label 1.0 is not an int',
          'label_high': 'label 3 is out of range [0, 3)',
          'label_negative': 'label -1 is out of range',
          'bad_img_shape': 'img_shape (48,) is not a pair',
          'kp3_with_score': 'keypoint_score given with keypoint (1, 4, 13, 3)',
          'score_missing': 'no keypoint_score',
          'joints_17': 'keypoint has 17 joints'}

GOOD_NAMES = ('good_a', 'good_b', 'good_c')


@pytest.fixture
def broken_pickle(tmp_path: Path) -> Path:
    """Good and broken annotations, a duplicate, a nameless one, a bad split."""
    broken = broken_annotations()
    nameless = good('x')
    del nameless['frame_dir']
    annos = ([good(GOOD_NAMES[0]), good(GOOD_NAMES[1], label=2,
                                        num_persons=2)]
             + list(broken.values())
             + [good(GOOD_NAMES[2]), good('dup_name'), good('dup_name'),
                nameless])
    split = dict(train=[*GOOD_NAMES, 'nan_kp'], test=['good_a', 'ghost'])
    path = tmp_path / 'broken.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annos), f)
    return path


def test_every_bad_annotation_is_named_and_no_good_one(broken_pickle,
                                                       tmp_path):
    classes = tmp_path / 'classes.txt'
    classes.write_text('a\nb\nc\n')
    report = validate_pose_file(str(broken_pickle), str(classes))
    assert all(line.startswith(f'{broken_pickle}: ') for line in report)
    for name, field in FIELDS.items():
        lines = [r for r in report if f'annotation "{name}"' in r]
        assert len(lines) == 1, (name, report)  # one line per annotation
        assert field in lines[0], (field, lines[0])
    dup = [r for r in report if '"dup_name"' in r]
    assert len(dup) == 1 and 'duplicate frame_dir' in dup[0]
    nameless = [r for r in report
                if r.startswith(f'{broken_pickle}: annotation #')]
    assert len(nameless) == 1 and "missing keys ['frame_dir']" in nameless[0]
    assert any('split "test" names 1 unknown' in r and 'ghost' in r
               for r in report)
    for name in GOOD_NAMES:
        assert not any(f'"{name}"' in r for r in report), name
    # 15 broken + duplicate + nameless + the split
    assert len(report) == len(FIELDS) + 3


def test_all_problems_of_one_annotation_are_reported():
    anno = dict(good('many'), label='x', total_frames=9)
    anno['keypoint'][0, 0, 0, 0] = np.inf
    report = validate_annotations([anno], source='mem')
    assert len(report) == 1
    line = report[0]
    assert line.startswith('mem: annotation "many": ')
    for part in ("label 'x' is not an int", 'NaN/inf',
                 'total_frames 9 != keypoint.shape[1] 4'):
        assert part in line


def test_clean_annotations_pass_and_summary(tmp_path):
    annos = [good('a', num_joints=20, num_frames=3),
             good('b', label=4, num_joints=20, num_frames=7, num_persons=2)]
    assert validate_annotations(annos, num_classes=5,
                                splits={'train': ['a', 'b']}) == []
    path = tmp_path / 'ok.pkl'
    with open(path, 'wb') as f:
        pickle.dump(annos, f)  # the bare-list layout is valid too
    problems, summary = check_pose_file(str(path))
    assert problems == []
    assert summary == dict(samples=2, labels=[0, 4], joints=[20],
                           persons=[1, 2], frames=(3, 7), splits={},
                           num_classes=None)


def test_unreadable_files_give_one_problem(tmp_path):
    missing = tmp_path / 'missing.pkl'
    assert validate_pose_file(str(missing)) == [
        f'annotation file {missing} does not exist']
    junk = tmp_path / 'junk.pkl'
    junk.write_bytes(b'\x80\x04junk')
    (problem, ) = validate_pose_file(str(junk))
    assert f'{junk} is not a readable pickle' in problem
    ok = tmp_path / 'ok.pkl'
    with open(ok, 'wb') as f:
        pickle.dump(dict(annotations=[good('a')]), f)
    (problem, ) = validate_pose_file(str(ok), str(tmp_path / 'nope.txt'))
    assert 'nope.txt does not exist' in problem


def test_validate_tool_reports_and_exits_1(broken_pickle, tmp_path):
    """The tool as a user runs it: every problem printed, exit status 1."""
    classes = tmp_path / 'classes.txt'
    classes.write_text('a\nb\nc\n')
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, str(TOOL), str(broken_pickle),
                           '--class-file', str(classes)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout
    for name in list(FIELDS) + ['dup_name']:
        assert f'"{name}"' in proc.stdout, name
    assert f'problems found in {broken_pickle}' in proc.stdout


def test_validate_tool_summary_in_process(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('vlalign_tools_validate', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path = tmp_path / 'ok.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(train=['a'], val=['b']),
                         annotations=[good('a', num_frames=5),
                                      good('b', label=1, num_frames=9)]), f)
    classes = tmp_path / 'classes.txt'
    classes.write_text('a\nb\nc\n')
    assert tool.main([str(path), '--class-file', str(classes)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f'{path}: OK, 2 samples; 3 classes in the label '
                          'file, 2 used; joints 13; persons 1; frames 5-9; '
                          'splits: train=1 val=1')
    classes.write_text('a\n')
    assert tool.main([str(path), '--class-file', str(classes)]) == 1
    assert '"b": label 1 is out of range [0, 1)' in capsys.readouterr().out


@pytest.mark.parametrize('name', ['penn_action/penn_action_pyskl.pkl',
                                  'nw_ucla/nw_ucla_pyskl.pkl'])
def test_shipped_real_pickles_are_clean(name):
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f'{path} is absent')
    problems, summary = check_pose_file(str(path))
    assert problems == []
    assert summary['persons'] == [1] and summary['joints'] in ([13], [20])
