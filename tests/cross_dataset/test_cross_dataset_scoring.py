"""Each sample is scored against its own dataset's classes in training, and
against the target label list at test time (issue 18).

Training: a batch mixes the three datasets; every clip's positive text is
its own dataset's class (label = that class in the union of names, so local
label 1 of NW-UCLA, UTKinect and MSRC-12 are three different texts), its
negatives are the other clips' texts of all datasets, and with descriptions
the text is the name plus its own dataset's description. Test: a model from
a leave-one-out fold scores every sample of the held-out dataset over that
dataset's full label list and nothing else.
"""
from unittest.mock import MagicMock

import pytest
import torch
from mmengine import Config
from mmengine.dataset import pseudo_collate

from vlalign.apis.cross_dataset import (fold_test_config,
                                        fold_training_config)
from vlalign.classes.class_texts import expand_class_texts, load_class_texts
from vlalign.registry import DATASETS, MODELS
from vlalign.testing import shrink_model_cfg

SOURCES = {'nw_ucla': 'purls:nw_ucla:global', 'utkinect': 'vlalign:utkinect',
           'msrc12': 'vlalign:msrc12'}


def build(cfg: Config):
    model = MODELS.build(shrink_model_cfg(cfg.model))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model.set_class_texts(dataset.metainfo['classes'])  # = ClassTextsHook
    return model, dataset


def capture_loss_inputs(model, batch):
    """Run a training step; return the (video, text, labels) the
    contrastive loss saw."""
    seen = {}

    def spy(module, args):
        video, text, _scale, labels = args
        seen.update(video=video, text=text, labels=labels)

    handle = model.loss_align.register_forward_pre_hook(spy)
    log_vars = model.train_step(batch, MagicMock())
    handle.remove()
    assert torch.isfinite(log_vars['loss'])
    return seen


def mixed_batch(dataset):
    """One sample of local label 1 from each dataset, then label 0 of each."""
    picks = []
    for local in (1, 0):
        for k in range(3):
            picks.append(next(i for i in range(len(dataset))
                              if dataset._index[i][0] == k and
                              dataset.datasets[k].get_data_info(
                                  dataset._index[i][1])['label'] == local))
    return pseudo_collate([dataset[i] for i in picks]), picks


@pytest.mark.parametrize('desc', [False, True])
def test_training_pairs_each_clip_with_its_own_dataset_class(
        kinect_root, monkeypatch, desc, xd):
    monkeypatch.chdir(kinect_root)
    CLASSES = xd.CLASSES
    cfg = Config.fromfile(str(xd.DESC_RECIPE if desc else xd.RECIPE))
    model, dataset = build(cfg)
    batch, picks = mixed_batch(dataset)
    seen = capture_loss_inputs(model, batch)
    union = dataset.metainfo['classes']
    own = [CLASSES[list(CLASSES)[dataset._index[i][0]]][
        dataset.datasets[dataset._index[i][0]].get_data_info(
            dataset._index[i][1])['label']] for i in picks]
    # local label 1 of the three datasets: "sit down" (twice), "throw (...)"
    assert own[:3] == ['sit down', 'sit down', 'throw (throw an object)']
    assert [union[l] for l in seen['labels'].tolist()] == own
    with torch.no_grad():
        expected = model.encode_class_texts(own)
    torch.testing.assert_close(seen['text'], expected)
    if desc:  # the name and its own dataset's description, nobody else's
        sources = {n: load_class_texts(s) for n, s in SOURCES.items()}
        ucla = expand_class_texts(['sit down'], sources=[sources['nw_ucla']])
        both = expand_class_texts(['sit down'], sources=[
            {'sit down': sources['nw_ucla']['sit down'] +
             sources['utkinect']['sit down']}])
        assert expand_class_texts(['sit down'], sources=model.class_text_sources
                                  ) == both and len(both[0]) > len(ucla[0])
        kick = expand_class_texts(['kick'], sources=model.class_text_sources)
        assert kick == [['kick'] + sources['msrc12']['kick']]
    # label-aware targets: a clip's positives are the clips of its own class
    # only; the same local label of another dataset is a negative
    targets = model.loss_align.targets(seen['labels'], seen['labels'], 6, 6,
                                       0, torch.device('cpu'))
    same = torch.tensor([[a == b for b in own] for a in own]).float()
    torch.testing.assert_close(targets, same / same.sum(-1, keepdim=True))
    assert targets[0, 2] == 0 and targets[2, 0] == 0  # UCLA 1 vs MSRC 1


def test_fold_trains_without_the_held_out_dataset(kinect_root, monkeypatch,
                                                  tmp_path, xd):
    monkeypatch.chdir(kinect_root)
    cfg = Config.fromfile(str(xd.DESC_RECIPE))
    fold = fold_training_config(cfg, 'utkinect', 'descriptions', 3,
                                str(tmp_path / 'w'))
    files = [d.ann_file for d in fold.train_dataloader.dataset.datasets]
    assert files == ['data/nw_ucla/nw_ucla_pyskl.pkl',
                     'data/msrc12/msrc12_pyskl.pkl']
    # only the training datasets' descriptions; no validation
    assert fold.model.class_text_sources == [[SOURCES['nw_ucla'],
                                              SOURCES['msrc12']]]
    assert fold.val_dataloader is None and fold.randomness.seed == 3
    names = fold_training_config(cfg, 'utkinect', 'names', 0, 'w')
    assert names.model.class_text_sources is None
    model, dataset = build(fold)
    assert 'walk' not in dataset.metainfo['classes']
    assert len(dataset.metainfo['classes']) == 6


@pytest.mark.parametrize('texts', ['names', 'descriptions'])
def test_test_time_scores_the_target_label_list(kinect_root, monkeypatch,
                                                texts, xd):
    monkeypatch.chdir(kinect_root)
    CLASSES = xd.CLASSES
    cfg = Config.fromfile(str(xd.RECIPE))
    test_cfg = fold_test_config(cfg, 'utkinect', texts, 'ckpt.pth', 'w')
    test_set = DATASETS.build(test_cfg.test_dataloader.dataset)
    # every UTKinect sample (never trained on), its full label list
    assert test_set.metainfo['classes'] == tuple(CLASSES['utkinect'])
    assert len(test_set) == 3 * 2 and test_cfg.load_from == 'ckpt.pth'
    model = MODELS.build(shrink_model_cfg(test_cfg.model))
    model.set_class_texts(test_set.metainfo['classes'])  # = ClassTextsHook
    model.eval()
    batch = pseudo_collate([test_set[i] for i in range(len(test_set))])
    with torch.no_grad():
        out = model.test_step(batch)
        data = model.data_preprocessor(batch, False)
        feats, _ = model.extract_feat(data['inputs'])
        expected = model.score_classes(
            feats, model.encode_class_texts(CLASSES['utkinect'])).softmax(-1)
    scores = torch.stack([ds.pred_score for ds in out])
    assert scores.shape == (6, 3)  # the 3 UTKinect classes, no others
    torch.testing.assert_close(scores, expected)
    if texts == 'descriptions':  # the target's own descriptions
        assert test_cfg.model.class_text_sources == [[SOURCES['utkinect']]]
        texts_of = expand_class_texts(['wave hands'],
                                      sources=model.class_text_sources)[0]
        assert texts_of[0] == 'wave hands' and len(texts_of) == 2
    else:
        assert test_cfg.model.class_text_sources is None
