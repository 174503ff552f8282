"""The teacher and the student built from the real demo configs: losses,
predictions, class weights, distillation masking."""
from pathlib import Path
from typing import Callable, Dict
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from vlalign.models.recognizers.anticipation_base import balanced_class_weights
from vlalign.registry import DATASETS, MODELS
from vlalign.utils import register_all_modules

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'anticipation'
TEACHER_DEMO = CONFIG_DIR / 'lmteacher_bert-mini_1xb32-30e_demo-text.py'
STUDENT_DEMO = CONFIG_DIR / 'antstudent_transformer_1xb32-20e_demo-feature.py'

register_all_modules()


def _build(config: Path):
    cfg = Config.fromfile(str(config))
    model = MODELS.build(cfg.model)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return cfg, model, dataset


def _train_step(model, batch) -> Dict[str, torch.Tensor]:
    wrapper = MagicMock()
    wrapper.optim_context.return_value.__enter__ = lambda *a: None
    wrapper.optim_context.return_value.__exit__ = lambda *a: None
    log = model.train_step(batch, wrapper)
    wrapper.update_params.assert_called_once()
    return log


def test_teacher_from_config(demo_config: Callable) -> None:
    cfg, model, dataset = _build(demo_config(TEACHER_DEMO))
    batch = pseudo_collate([dataset[i] for i in range(4)])
    log = _train_step(model, batch)
    assert set(log) == {'loss', 'loss_action', 'loss_verb', 'loss_noun'}
    model.eval()
    out = model(batch['inputs'], mode='tensor')
    assert out['action'].shape == (4, cfg.model.num_actions)
    assert out['feature'].shape == (4, 32)  # TINY_BERT width = lm_feature
    preds = model.val_step(batch)
    assert torch.allclose(preds[0].pred_action.sum(), torch.tensor(1.0))
    assert preds[0].pred_verb.shape == (cfg.model.num_verbs,)
    with pytest.raises(RuntimeError, match='Invalid mode "bad"'):
        model(batch['inputs'], mode='bad')


def test_class_weighted_teacher(demo_config: Callable) -> None:
    assert balanced_class_weights([3, 1, 0]).tolist() == \
        pytest.approx([4 / 6, 2.0, 1.0])
    cfg = Config.fromfile(str(demo_config(TEACHER_DEMO)))
    cfg.model.class_weighted = True
    model = MODELS.build(cfg.model)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    counts = dataset.class_counts()
    model.set_class_counts(counts)  # what ClassCountsHook does
    weights = model.class_weight_action
    rare, common = counts['action'].argmin(), counts['action'].argmax()
    assert counts['action'][rare] < counts['action'][common]
    assert weights[rare] > weights[common]
    assert 'class_weight_action' in model.state_dict()


def test_student_from_config_distills_only_where_teacher(
        demo_config: Callable, ant_data: Dict, tmp_path: Path) -> None:
    from vlalign.data_prep.writers import save_teacher_predictions
    from vlalign.datasets.epic_kitchens import load_epic_annotations
    segs = load_epic_annotations(ant_data['train'])
    num_actions = ant_data['num_actions']
    teacher = tmp_path / 'teacher.pt'
    save_teacher_predictions(
        [dict(uid=s.narration_id, action_logits=torch.randn(num_actions),
              lm_feature=torch.randn(32)) for s in segs[1:]], str(teacher))
    cfg = Config.fromfile(str(demo_config(STUDENT_DEMO)))
    cfg.train_dataloader.dataset.teacher_file = str(teacher)
    model = MODELS.build(cfg.model)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert batch['inputs'][0].shape == (8, ant_data['feature_dim'])
    log = _train_step(model, batch)
    assert set(log) == {'loss', 'loss_action', 'loss_verb', 'loss_noun',
                        'loss_distill'}
    assert log['loss_distill'] > 0
    # sample 0 has no teacher: a batch of it alone distills nothing, but
    # still reports the key (every rank must log the same keys)
    only_first = pseudo_collate([dataset[0]])
    losses = model(torch.stack(only_first['inputs']),
                   only_first['data_samples'], mode='loss')
    assert losses['loss_distill'].item() == 0.0
    # the distillation term matches the loss applied to the logits
    model.eval()
    feats = torch.stack(batch['inputs'])
    logits = model(feats, mode='tensor')['action']
    teacher_logits = torch.stack([s.teacher_logits for s in
                                  batch['data_samples'][1:]])
    expected = model.distill_loss(logits[1:], teacher_logits)
    got = model.extra_losses(model.extract_feat(feats),
                             {'action': logits}, batch['data_samples'])
    assert got['loss_distill'].item() == pytest.approx(expected.item(),
                                                       rel=1e-5)


def test_student_feature_distillation(demo_config: Callable) -> None:
    cfg = Config.fromfile(str(demo_config(STUDENT_DEMO)))
    cfg.model.update(feature_distill_weight=0.5, lm_dim=16, distill_loss=None)
    model = MODELS.build(cfg.model)
    from mmengine.structures import BaseDataElement
    samples = []
    for i in range(2):
        s = BaseDataElement(metainfo=dict(uid=str(i)))
        for t in ('action', 'verb', 'noun'):
            s.set_field(torch.tensor(0), f'gt_{t}')
        s.set_field(torch.randn(cfg.model.num_actions), 'teacher_logits')
        s.set_field(torch.randn(16), 'teacher_feature')
        samples.append(s)
    losses = model(torch.randn(2, 8, 32), samples, mode='loss')
    assert 'loss_lm_feature' in losses and 'loss_distill' not in losses
    assert 0 < losses['loss_lm_feature'].item() <= 0.5 * 2
    with pytest.raises(ValueError, match='needs lm_dim'):
        cfg.model.update(lm_dim=None)
        MODELS.build(cfg.model)


@pytest.mark.parametrize('name', sorted(
    p.name for p in CONFIG_DIR.glob('*.py')))
def test_every_config_builds_its_model(name: str) -> None:
    from vlalign.testing.tiny import shrink_model_cfg
    cfg = Config.fromfile(str(CONFIG_DIR / name))
    model_cfg = shrink_model_cfg(cfg.model)
    model = MODELS.build(model_cfg)
    assert model.num_classes['action'] == cfg.model.num_actions
    for sched in cfg.param_scheduler:
        assert 'end' in sched and 'by_epoch' in sched
    assert 'work_dir' not in cfg
    if name.endswith('no-distill.py'):
        assert model.distill_loss is None
        assert cfg.train_dataloader.dataset.teacher_file is None


def test_class_counts_hook_sets_weights(demo_config: Callable) -> None:
    from types import SimpleNamespace

    from mmengine.dataset import RepeatDataset

    from vlalign.registry import HOOKS
    cfg = Config.fromfile(str(demo_config(TEACHER_DEMO)))
    cfg.model.class_weighted = True
    model = MODELS.build(cfg.model)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    runner = SimpleNamespace(
        model=model, train_dataloader=SimpleNamespace(
            dataset=RepeatDataset(dataset, times=2)))
    before = model.class_weight_action.clone()
    HOOKS.build(dict(type='ClassCountsHook')).before_train(runner)
    expected = balanced_class_weights(dataset.class_counts()['action'])
    assert not torch.equal(before, model.class_weight_action)
    assert torch.allclose(model.class_weight_action, expected)
