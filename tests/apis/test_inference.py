"""vlalign.apis: init_recognizer and zero_shot_recognize on raw poses."""
import numpy as np
import pytest
from mmengine.config import Config

from vlalign.apis import init_recognizer, zero_shot_recognize
from vlalign.datasets import load_pose_annotations
from vlalign.utils.errors import DataError


@pytest.fixture
def model(tiny_demo_config):
    return init_recognizer(str(tiny_demo_config()))


@pytest.fixture
def annotation(demo_data):
    return load_pose_annotations(f'{demo_data}/demo_skeleton.pkl', 'test')[0]


def test_ranks_any_labels_and_leaves_inputs_alone(model, annotation):
    labels = ['squat down', 'wave the left hand', 'jump up']
    before = annotation['keypoint'].copy()
    ranked = zero_shot_recognize(model, annotation, labels)
    assert sorted(name for name, _ in ranked) == sorted(labels)
    probs = [p for _, p in ranked]
    assert probs == sorted(probs, reverse=True)
    assert sum(probs) == pytest.approx(1.0, abs=1e-5)
    # mmaction2's transforms write into arrays: the caller's must not change
    np.testing.assert_array_equal(annotation['keypoint'], before)
    # the same answer twice, and from the bare array with the same scores
    assert zero_shot_recognize(model, annotation, labels) == ranked
    array = zero_shot_recognize(
        model, annotation['keypoint'][0], labels,
        scores=annotation['keypoint_score'], img_shape=annotation['img_shape'])
    assert [n for n, _ in array] == [n for n, _ in ranked]
    assert zero_shot_recognize(model, annotation, labels, top_k=1) == ranked[:1]


def test_model_class_texts_restored(model, annotation):
    model.set_class_texts(['a', 'b'])
    zero_shot_recognize(model, annotation, ['c', 'd', 'e'])
    assert model.get_class_texts() == ('a', 'b')


@pytest.mark.parametrize('poses, match', [
    (np.zeros((5, 17)), 'shape'),
    (np.zeros((1, 0, 17, 2)), '0 frames'),
    (np.full((4, 17, 2), np.nan), 'NaN'),
    (dict(frame_dir='clip7'), 'clip7'),
])
def test_bad_poses_are_named(model, poses, match):
    with pytest.raises(DataError, match=match):
        zero_shot_recognize(model, poses, ['a', 'b'])


def test_init_from_config_object_with_overrides(tiny_demo_config):
    cfg = Config.fromfile(str(tiny_demo_config()))
    model = init_recognizer(cfg, cfg_options={'model.templates': 'person'})
    assert len(model.templates) > 1
    assert not model.training
