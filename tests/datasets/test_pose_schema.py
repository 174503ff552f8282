"""One annotation schema: the validator tool, PoseTextDataset and the
converters' writer accept and reject exactly the same annotations.

Every case writes a small pickle with one rule broken and feeds it to all
three; each must refuse it with a message naming the file, the sample
(``frame_dir``, or ``#index`` without one) and the field. The tool runs
in-process here (``main`` returns the exit status); as a process, with issue
17's item-5 cases among others, in ``test_validation.py``.
"""
import importlib.util
import pickle
import re
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np
import pytest

from vlalign.data_prep.converters.pickle_writer import build_pose_pickle
from vlalign.datasets import PoseTextDataset
from vlalign.data_prep.validation import check_pose_file
from vlalign.utils.errors import DataError

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'
TOOL = REPO_ROOT / 'tools' / 'data' / 'validate_pose_pickle.py'
CLASSES = ('wave', 'clap', 'jump')
PIPELINE = [dict(type='UniformSampleFrames', clip_len=4),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=1),
            dict(type='PackActionInputs')]


def good(name: str, label: int = 0, frames: int = 5, joints: int = 13,
         persons: int = 1) -> Dict:
    """A well-formed 2D annotation (V is not 17 on purpose)."""
    rng = np.random.default_rng(len(name))
    shape = (persons, frames, joints)
    return dict(frame_dir=name, label=label, img_shape=(48, 64),
                original_shape=(48, 64), total_frames=frames,
                keypoint=rng.uniform(0, 48, shape + (2, )).astype(np.float32),
                keypoint_score=np.ones(shape, np.float32))


def good_3d(name: str, label: int = 0, frames: int = 5) -> Dict:
    """A well-formed 3D annotation: no keypoint_score, no img_shape."""
    rng = np.random.default_rng(len(name))
    return dict(frame_dir=name, label=label, total_frames=frames,
                keypoint=rng.normal(size=(1, frames, 13, 3)).astype(np.float32))


def base() -> List[Dict]:
    """``v0``, ``v1``, ``v2``, one per class."""
    return [good(f'v{i}', label=i) for i in range(3)]


Case = Tuple[Callable[[], List], str, str]


def change(**fields) -> Callable[[], List]:
    """``base()`` with fields of ``v1`` replaced (``None`` deletes one)."""
    def make() -> List:
        annos = base()
        for key, value in fields.items():
            if value is None:
                del annos[1][key]
            else:
                annos[1][key] = value
        return annos
    return make


def with_v1(edit: Callable[[Dict], None]) -> Callable[[], List]:
    def make() -> List:
        annos = base()
        edit(annos[1])
        return annos
    return make


def _nan(anno: Dict, key: str = 'keypoint', value: float = np.nan) -> None:
    anno[key] = anno[key].copy()
    anno[key].flat[3] = value


def _all(edit: Callable[[Dict], None]) -> Callable[[], List]:
    def make() -> List:
        annos = base()
        for anno in annos:
            edit(anno)
        return annos
    return make


def _kp3d(shape, dtype=np.float32):
    return np.zeros(shape, dtype)


# name -> (annotations, sample named, field named). The sample is
# '"frame_dir"' or '#index'. Cases marked 17.5 are issue 17's item 5: they
# passed the old validator and then crashed the model or changed predictions.
CASES: Dict[str, Case] = {
    'not a dict': (lambda: base()[:1] + ['v1'] + base()[2:], '#1', 'str'),
    'no frame_dir': (change(frame_dir=None), '#1', 'frame_dir'),
    'frame_dir not a str': (change(frame_dir=7), '#1', 'frame_dir'),
    'no label': (change(label=None), '"v1"', 'label'),
    'float label': (change(label=1.0), '"v1"', 'label 1.0'),
    'bool label': (change(label=True), '"v1"', 'label True'),
    'negative label': (change(label=-1), '"v1"', 'label -1'),
    'label beyond the label file': (change(label=3), '"v1"', 'label 3'),
    'no total_frames': (change(total_frames=None), '"v1"', 'total_frames'),
    'total_frames not an int': (change(total_frames=5.0), '"v1"',
                                'total_frames 5.0'),
    'total_frames above T': (change(total_frames=6), '"v1"', 'total_frames 6'),
    'total_frames below T': (change(total_frames=4), '"v1"', 'total_frames 4'),
    'no keypoint': (change(keypoint=None), '"v1"', 'keypoint'),
    'keypoint a list': (change(keypoint=[[0.0]]), '"v1"', 'keypoint'),
    'integer keypoint': (change(keypoint=np.zeros((1, 5, 13, 2), np.int64)),
                         '"v1"', 'keypoint is not a float array'),
    'keypoint rank 3': (change(keypoint=np.zeros((5, 13, 2), np.float32)),
                        '"v1"', 'keypoint has shape (5, 13, 2)'),
    'keypoint with 5 channels': (change(
        keypoint=np.zeros((1, 5, 13, 5), np.float32)), '"v1"',
        'keypoint has shape (1, 5, 13, 5)'),
    'no person': (change(keypoint=np.zeros((0, 5, 13, 2), np.float32),
                         keypoint_score=np.zeros((0, 5, 13), np.float32)),
                  '"v1"', 'keypoint has shape (0, 5, 13, 2): no person'),
    'NaN keypoint': (with_v1(_nan), '"v1"', 'keypoint has 1 NaN/inf'),
    'inf keypoint': (with_v1(lambda a: _nan(a, value=np.inf)), '"v1"',
                     'keypoint has 1 NaN/inf'),
    'score shape': (change(keypoint_score=np.ones((1, 5, 12), np.float32)),
                    '"v1"', 'keypoint_score has shape (1, 5, 12)'),
    'score a list': (change(keypoint_score=[1.0]), '"v1"', 'keypoint_score'),
    'NaN score': (with_v1(lambda a: _nan(a, 'keypoint_score')), '"v1"',
                  'keypoint_score has 1 NaN/inf'),
    '17.5: 3-channel keypoint with score': (change(
        keypoint=np.zeros((1, 5, 13, 3), np.float32)), '"v1"',
        'keypoint_score given with keypoint (1, 5, 13, 3)'),
    '17.5: no annotation has a score': (_all(lambda a: a.pop(
        'keypoint_score')), '"v0"', 'no keypoint_score'),
    '17.5: one score missing': (change(keypoint_score=None), '"v1"',
                                'no keypoint_score'),
    '17.5: mixed joint counts': (lambda: base()[:1] + [good('v1', 1,
                                                            joints=17)]
                                 + base()[2:], '"v1"', 'keypoint has 17 joints'),
    '17.5: duplicate frame_dir': (lambda: base() + [good('v1', 2)], '"v1"',
                                  'duplicate frame_dir'),
    'mixed 2D and 3D': (lambda: base() + [good_3d('v3', 1)], '"v3"',
                        'keypoint has 3 coordinates'),
    'keypoint_3d shape': (change(keypoint_3d=_kp3d((1, 5, 12, 3))), '"v1"',
                          'keypoint_3d has shape (1, 5, 12, 3)'),
    'keypoint_3d integer': (change(keypoint_3d=_kp3d((1, 5, 13, 3), np.int32)),
                            '"v1"', 'keypoint_3d is not a float array'),
    'keypoint_3d NaN': (with_v1(lambda a: (a.update(keypoint_3d=_kp3d(
        (1, 5, 13, 3))), _nan(a, 'keypoint_3d'))), '"v1"',
        'keypoint_3d has 1 NaN/inf'),
    '2D without img_shape': (change(img_shape=None), '"v1"', 'no img_shape'),
    'bad img_shape': (change(img_shape=(48, )), '"v1"', 'img_shape (48,)'),
    'bad original_shape': (change(original_shape=(48, -1)), '"v1"',
                           'original_shape (48, -1)'),
}


def write(path: Path, annos: List) -> Path:
    with open(path, 'wb') as f:
        pickle.dump(dict(split={}, annotations=annos), f)
    return path


def load_tool():
    spec = importlib.util.spec_from_file_location('_schema_validate', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture(scope='module')
def tool():
    return load_tool()


@pytest.fixture
def class_file(tmp_path: Path) -> Path:
    path = tmp_path / 'classes.txt'
    path.write_text(''.join(f'{c}\n' for c in CLASSES))
    return path


def names_sample(message: str, sample: str) -> bool:
    """``sample`` is '"name"' or '#index' ('annotation 1' counts as #1)."""
    if sample.startswith('#'):
        return re.search(rf'annotation #?{sample[1:]}\b', message) is not None
    return sample in message


@pytest.mark.parametrize('case', list(CASES))
def test_validator_dataset_and_writer_reject_alike(case, tmp_path, class_file,
                                                   tool, capsys):
    make, sample, field = CASES[case]
    path = write(tmp_path / 'bad.pkl', make())
    # the validator tool: exit status 1, the problem printed by file and sample
    assert tool.main([str(path), '--class-file', str(class_file)]) == 1
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if names_sample(ln, sample)]
    assert lines, (sample, out)
    assert lines[0].startswith(f'{path}: ') and field in lines[0], lines[0]
    # the dataset: a DataError naming the same
    with pytest.raises(DataError) as excinfo:
        PoseTextDataset(str(path), PIPELINE, class_file=str(class_file))
    message = str(excinfo.value)
    assert message.startswith(str(path)), message
    assert names_sample(message, sample) and field in message, message
    # the converters' writer: refuses, and writes nothing
    out_path = tmp_path / 'written.pkl'
    with pytest.raises(DataError, match='not written') as excinfo:
        build_pose_pickle(make(), {}, str(out_path), num_classes=len(CLASSES))
    assert names_sample(str(excinfo.value), sample)
    assert field in str(excinfo.value)
    assert not out_path.exists()


VALID: Dict[str, Callable[[], List]] = {
    'base': base,
    'persons differ (FormatGCNInput pads them)': lambda: base() + [good(
        'v3', persons=2)],
    'frame counts differ': lambda: base() + [good('v3', frames=9)],
    'numpy ints': change(label=np.int64(1), total_frames=np.int32(5),
                         img_shape=(np.int64(48), 64)),
    'int scores': change(keypoint_score=np.ones((1, 5, 13), np.uint8)),
    'keypoint_3d beside 2D': _all(lambda a: a.update(keypoint_3d=_kp3d(
        a['keypoint'].shape[:3] + (3, )))),
    '3D without score or img_shape': lambda: [good_3d(f'v{i}', i)
                                              for i in range(3)],
    'no original_shape': change(original_shape=None),
}


@pytest.mark.parametrize('case', list(VALID))
def test_validator_and_dataset_accept_alike(case, tmp_path, class_file, tool,
                                            capsys):
    annos = VALID[case]()
    path = write(tmp_path / 'ok.pkl', annos)
    assert tool.main([str(path), '--class-file', str(class_file)]) == 0
    assert ': OK, ' in capsys.readouterr().out
    ds = PoseTextDataset(str(path), PIPELINE, class_file=str(class_file))
    assert len(ds) == len(annos)
    # what the pipeline makes of it: 3 channels, 2D + score or 3D alike
    assert ds[0]['inputs'].shape[-1] == 3
    build_pose_pickle(annos, {}, str(tmp_path / 'written.pkl'),
                      num_classes=len(CLASSES))


def test_2d_without_scores_would_reach_the_model_with_2_channels(tmp_path):
    """Why the schema rejects it: the GCN recipes expect (x, y, score)."""
    from mmengine.dataset import Compose
    anno = good('v0')
    del anno['keypoint_score']
    out = Compose(PIPELINE)(dict(anno))
    assert out['inputs'].shape[-1] == 2


def test_dataset_checks_its_split_and_only_labels_outside_the_subset(
        tmp_path, class_file):
    annos = base() + [good('v3', label=2, joints=17)]  # mixed joint counts
    _nan(annos[2])  # class 'jump'
    with open(tmp_path / 'split.pkl', 'wb') as f:
        pickle.dump(dict(split=dict(a=['v0', 'v1'], b=['v2', 'v3'], c=['v0']),
                         annotations=annos), f)
    path = str(tmp_path / 'split.pkl')
    assert len(PoseTextDataset(path, PIPELINE, class_file=str(class_file),
                               split='a')) == 2
    with pytest.raises(DataError, match='"v3": keypoint has 17 joints'):
        PoseTextDataset(path, PIPELINE, class_file=str(class_file),
                        split='b')
    # samples of classes outside the subset: frame_dir and label only
    assert len(PoseTextDataset(path, PIPELINE, class_file=str(class_file),
                               class_subset=['wave', 'clap'])) == 2
    # a duplicate selected by a split is refused there too
    annos.append(good('v0', label=1))
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(c=['v0']), annotations=annos), f)
    with pytest.raises(DataError, match=r'"v0": duplicate frame_dir'):
        PoseTextDataset(path, PIPELINE, class_file=str(class_file), split='c')


REAL = ('penn_action/penn_action_pyskl.pkl', 'nw_ucla/nw_ucla_pyskl.pkl',
        'utkinect/utkinect_pyskl.pkl', 'sbu_interaction/sbu_pyskl.pkl',
        'msrc12/msrc12_pyskl.pkl')


@pytest.mark.parametrize('name', REAL)
def test_real_pickles_pass_validator_and_dataset(name):
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f'{path} is absent')
    problems, summary = check_pose_file(str(path))
    assert problems == []
    classes = path.parent / 'class_names.txt'
    # load_data_list is the dataset's check; lazy_init skips serialising
    # thousands of samples (~1 s) that this test does not need.
    ds = PoseTextDataset(str(path), PIPELINE, class_file=str(classes),
                         lazy_init=True)
    assert len(ds.load_data_list()) == summary['samples']
