"""Histories, action maps, the two datasets, teacher prediction files, the
metric and the EGTEA reader."""
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
import torch

from vlalign.datasets.action_history import (ActionVocab,
                                             build_history_examples,
                                             history_text, readable_name,
                                             video_sequences)
from vlalign.data_prep.writers import save_teacher_predictions
from vlalign.datasets.anticipation_datasets import (
    ActionHistoryTextDataset, AnticipationFeatureDataset,
    load_teacher_predictions, observation_indices)
from vlalign.data_prep.converters.egtea import load_egtea_names, load_egtea_split
from vlalign.datasets.epic_kitchens import EpicSegment, load_epic_annotations
from vlalign.evaluation.metrics.anticipation_metric import (
    AnticipationMetric, mean_topk_recall, topk_accuracy)
from vlalign.utils.errors import DataError


def _seg(uid, video, start, verb, noun, vname='', nname=''):
    return EpicSegment(uid, 'P01', video, start, start + 10, verb, noun,
                       vname, nname)


def test_histories_in_order_and_gappy() -> None:
    # video A: a0 (train) a1 (test) a2 (train) a3 (train); given out of order
    train = [_seg('a3', 'A', 30, 3, 3), _seg('a0', 'A', 0, 0, 0),
             _seg('a2', 'A', 20, 2, 2)]
    test = [_seg('a1', 'A', 10, 1, 1)]
    assert [s.narration_id for s in video_sequences(train + test)['A']] == \
        ['a0', 'a1', 'a2', 'a3']
    full = {e.uid: [h.narration_id for h in e.history]
            for e in build_history_examples(train, test, hist_len=2)}
    assert full == {'a2': ['a0', 'a1'], 'a3': ['a1', 'a2']}  # a0: no history
    gappy = {e.uid: [h.narration_id for h in e.history]
             for e in build_history_examples(train, test, hist_len=2,
                                             gappy=True)}
    assert gappy == {'a2': ['a0'], 'a3': ['a0', 'a2']}  # test labels skipped
    keep_all = build_history_examples(train, hist_len=2, min_hist_len=0)
    assert [e.uid for e in keep_all] == ['a0', 'a2', 'a3']
    assert keep_all[0].history == ()


def test_history_text_and_names() -> None:
    hist = [_seg('x', 'A', 0, 0, 1, 'take', 'cup'),
            _seg('y', 'A', 1, 1, 0, 'turn-on', 'tap')]
    assert history_text(hist) == 'take cup, turn on tap'
    assert history_text(hist, ['open', 'wash'], ['pan:dust', 'knife']) == \
        'open knife, wash dust pan'
    assert readable_name('container:food') == 'food container'


def test_action_vocab_roundtrip(tmp_path: Path) -> None:
    segs = [_seg('a', 'A', 0, 2, 5), _seg('b', 'A', 1, 0, 1),
            _seg('c', 'A', 2, 2, 5)]
    vocab = ActionVocab.from_segments(segs)
    assert vocab.pairs == [(0, 1), (2, 5)]
    assert vocab.index(2, 5) == 1 and vocab.index(9, 9) == -1
    path = vocab.save(str(tmp_path / 'actions.csv'))
    assert Path(path).read_text().splitlines()[0] == 'id,verb,noun,action'
    assert ActionVocab.load(path).pairs == vocab.pairs
    bad = tmp_path / 'bad.csv'
    bad.write_text('id,verb,noun,action\n0,1,x,take cup\n')
    with pytest.raises(DataError, match='bad.csv: line 2: column "noun"'):
        ActionVocab.load(str(bad))


def test_text_dataset_on_demo_data(ant_data: Dict) -> None:
    ds = ActionHistoryTextDataset(
        ann_file=ant_data['train'], action_file=ant_data['actions'],
        verb_class_file=ant_data['verb_classes'],
        noun_class_file=ant_data['noun_classes'], hist_len=3)
    segs = load_epic_annotations(ant_data['train'])
    num_videos = len({s.video_id for s in segs})
    assert len(ds) == len(segs) - num_videos  # the first of each has none
    sample = ds[0]
    text = sample['inputs']
    assert isinstance(text, str) and 1 <= len(text.split(', ')) <= 3
    ds_sample = sample['data_samples']
    assert ds_sample.gt_action.item() >= 0  # training pairs are all classes
    assert ds.metainfo['num_actions'] == ant_data['num_actions']
    counts = ds.class_counts()
    assert counts['action'].sum() == len(ds)


def test_feature_dataset_window_and_teacher_join(ant_data: Dict,
                                                 tmp_path: Path) -> None:
    # the window ends tau_a before the start: start 4 s, tau_a 1, obs 2 s,
    # 4 rows at 10 fps -> times 1.5, 2.0, 2.5, 3.0 s -> rows 14, 19, 24, 29
    rows = observation_indices(240, 100, 60.0, 10.0, 1.0, 2.0, 4)
    assert rows.tolist() == [14, 19, 24, 29]
    # before the video start the first row repeats
    assert observation_indices(30, 100, 60.0, 10.0, 1.0, 2.0, 4).tolist() == \
        [0, 0, 0, 0]
    segs = load_epic_annotations(ant_data['train'])
    num_actions = ant_data['num_actions']
    records = [dict(uid=s.narration_id, action_logits=torch.randn(num_actions),
                    lm_feature=torch.randn(8)) for s in segs[1:]]
    teacher = save_teacher_predictions(records, str(tmp_path / 't.pt'))
    assert set(load_teacher_predictions(teacher)) == \
        {s.narration_id for s in segs[1:]}
    common = dict(ann_file=ant_data['train'],
                  action_file=ant_data['actions'],
                  feature_file=ant_data['features'], feature_fps=10.0,
                  num_obs=6)
    ds = AnticipationFeatureDataset(teacher_file=teacher, **common)
    first, second = ds[0], ds[1]
    assert first['inputs'].shape == (6, ant_data['feature_dim'])
    assert first['data_samples'].get('teacher_logits') is None  # masked
    assert torch.equal(second['data_samples'].teacher_logits,
                       records[0]['action_logits'])
    with pytest.raises(DataError, match=f'no prediction for uid '
                       f'{segs[0].narration_id}'):
        AnticipationFeatureDataset(teacher_file=teacher,
                                   teacher_missing='error', **common)
    wrong = save_teacher_predictions(
        [dict(uid=segs[0].narration_id, action_logits=torch.zeros(3),
              lm_feature=torch.zeros(2))], str(tmp_path / 'w.pt'))
    with pytest.raises(DataError, match='has 3 classes'):
        AnticipationFeatureDataset(teacher_file=wrong, **common)


def test_metric_values() -> None:
    scores = np.array([[0.9, 0.05, 0.05], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1],
                       [0.2, 0.5, 0.3]])
    labels = np.array([0, 1, 1, -1])
    assert topk_accuracy(scores, labels, 1) == pytest.approx(1 / 4)
    # the unknown label (-1) is always a miss
    assert topk_accuracy(scores, labels, 2) == pytest.approx(3 / 4)
    # class 0: 1/1 recall@1, class 1: 0/2 -> mean 0.5 (the -1 is no class)
    assert mean_topk_recall(scores, labels, 1) == pytest.approx(0.5)
    assert mean_topk_recall(scores, labels, 2) == pytest.approx(1.0)
    # a class-mean, not a sample-mean: class 0 (1 sample) weighs as class 1
    assert mean_topk_recall(scores[:3], np.array([0, 1, 1]), 1) == \
        pytest.approx(0.5)
    metric = AnticipationMetric(topk=(1, 2), recall_k=2, tasks=('action',))
    metric.process({}, [dict(pred_action=torch.tensor(s), gt_action=l)
                        for s, l in zip(scores, labels)])
    out = metric.compute_metrics(metric.results)
    assert list(out) == ['action/top1', 'action/top2',
                         'action/mean_top2_recall']
    assert out['action/top1'] == pytest.approx(25.0)
    assert out['action/mean_top2_recall'] == pytest.approx(100.0)


def test_egtea_reader(tmp_path: Path) -> None:
    (tmp_path / 'verb_idx.txt').write_text('Inspect/Read 1\nOpen 2\n')
    names = load_egtea_names(str(tmp_path / 'verb_idx.txt'))
    assert names == ['Inspect/Read', 'Open']
    split = tmp_path / 'train_split1.txt'
    split.write_text(
        'OP01-R01-PastaSalad-66680-68130-F001597-F001639 48 1 3\n'
        'OP01-R01-PastaSalad-70000-71000-F001680-F001704 2 2 1\n')
    segs, actions = load_egtea_split(str(split))
    assert actions == [47, 1]
    assert segs[0].video_id == 'OP01-R01-PastaSalad'
    assert (segs[0].start_frame, segs[0].stop_frame) == (1597, 1639)
    assert (segs[0].verb_class, segs[0].noun_class) == (0, 2)
    split.write_text('OP01-R01-PastaSalad-1-2-F1-F2 0 1 1\n')
    with pytest.raises(DataError, match='line 1: indices are 1-based'):
        load_egtea_split(str(split))


def test_teacher_file_errors_name_file_uid_and_field(tmp_path: Path) -> None:
    with pytest.raises(DataError, match='do not exist'):
        load_teacher_predictions(str(tmp_path / 'missing.pt'))
    torch.save([dict(uid='P01_01_3', action_logits=torch.zeros(2, 2),
                     lm_feature=torch.zeros(4))], tmp_path / 'bad.pt')
    with pytest.raises(DataError, match=r'bad.pt: uid P01_01_3: '
                       '"action_logits" must be a finite 1-d vector'):
        load_teacher_predictions(str(tmp_path / 'bad.pt'))
    with pytest.raises(DataError, match="record 0 lacks \\['lm_feature'\\]"):
        save_teacher_predictions([dict(uid='a', action_logits=[1.0])],
                                 str(tmp_path / 'x.pt'))
    assert not (tmp_path / 'x.pt').exists()
    # a uid -> record dict is read too
    torch.save({'a': dict(action_logits=torch.ones(3),
                          lm_feature=torch.ones(2))}, tmp_path / 'dict.pt')
    assert load_teacher_predictions(str(tmp_path / 'dict.pt'))['a'][
        'action_logits'].tolist() == [1.0, 1.0, 1.0]


def test_npy_feature_folder_reads_like_the_hdf5_store(
        ant_data: Dict, tmp_path: Path) -> None:
    from vlalign.datasets.feature_store import FeatureStore
    store = FeatureStore(ant_data['features'])
    folder = tmp_path / 'npy'
    folder.mkdir()
    for key in store.keys:
        np.save(folder / f'{key}.npy', store.get(key))
    common = dict(ann_file=ant_data['val'], action_file=ant_data['actions'],
                  feature_fps=10.0)
    h5 = AnticipationFeatureDataset(feature_file=ant_data['features'],
                                    **common)
    npy = AnticipationFeatureDataset(feature_file=str(folder), **common)
    assert torch.equal(h5[3]['inputs'], npy[3]['inputs'])
    (folder / f'{store.keys[-1]}.npy').unlink()
    with pytest.raises(DataError, match='no features for video'):
        AnticipationFeatureDataset(feature_file=str(folder), **common)


def test_demo_generator_is_deterministic(tmp_path: Path) -> None:
    from vlalign.data_prep.demo.anticipation import generate_anticipation_demo
    a = generate_anticipation_demo(str(tmp_path / 'a'), 2, 1, seed=3,
                                   feature_format='npy')
    b = generate_anticipation_demo(str(tmp_path / 'b'), 2, 1, seed=3,
                                   feature_format='npy')
    for key in ('train', 'val', 'actions'):
        assert Path(a[key]).read_text() == Path(b[key]).read_text()
    key = load_epic_annotations(a['train'])[0].video_id
    assert np.array_equal(np.load(Path(a['features']) / f'{key}.npy'),
                          np.load(Path(b['features']) / f'{key}.npy'))


def test_convert_egtea_tool(tmp_path: Path, monkeypatch) -> None:
    import importlib.util
    import sys
    ann = tmp_path / 'action_annotation'
    ann.mkdir()
    (ann / 'verb_idx.txt').write_text('Take 1\nOpen 2\n')
    (ann / 'noun_idx.txt').write_text('cup 1\nfridge_drawer 2\n')
    (ann / 'action_idx.txt').write_text('Take cup 1\nOpen fridge_drawer 2\n')
    (ann / 'train_split1.txt').write_text(
        'OP01-R01-Tea-1000-2000-F000024-F000048 1 1 1\n'
        'OP01-R01-Tea-5000-6000-F000120-F000144 1 1 1\n')
    (ann / 'test_split1.txt').write_text(
        'OP01-R01-Tea-3000-4000-F000072-F000096 2 2 2\n')
    spec = importlib.util.spec_from_file_location(
        'convert_egtea', Path(__file__).resolve().parents[2] / 'tools' /
        'data' / 'convert_egtea.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'out'
    monkeypatch.setattr(sys, 'argv', ['convert_egtea.py', str(ann),
                                      '--out-dir', str(out)])
    tool.main()
    assert ActionVocab.load(str(out / 'actions.csv')).pairs == [(0, 0),
                                                                (1, 1)]
    # the test clip sits between the two train clips of the same video
    ds = ActionHistoryTextDataset(
        ann_file=str(out / 'egtea_train_split1.csv'),
        context_files=[str(out / 'egtea_test_split1.csv')],
        action_file=str(out / 'actions.csv'),
        verb_class_file=str(out / 'verb_classes.csv'),
        noun_class_file=str(out / 'noun_classes.csv'), hist_len=2)
    assert ds[0]['inputs'] == 'take cup, open fridge drawer'
    ds_gappy = ActionHistoryTextDataset(
        ann_file=str(out / 'egtea_train_split1.csv'),
        context_files=[str(out / 'egtea_test_split1.csv')], gappy=True,
        action_file=str(out / 'actions.csv'),
        verb_class_file=str(out / 'verb_classes.csv'),
        noun_class_file=str(out / 'noun_classes.csv'), hist_len=2)
    assert ds_gappy[0]['inputs'] == 'take cup'
