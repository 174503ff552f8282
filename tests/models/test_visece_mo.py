"""ViseceMo: EMA encoders, feature queues, distilled targets, rank-synced queue."""
import os
import socket
from unittest.mock import MagicMock

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper

from vlalign.models.layers.feature_queue import FeatureQueue
from vlalign.models.losses.momentum_distill import MomentumDistillLoss
from vlalign.models.recognizers.visece_mo import ViseceMo, momentum_copy
from vlalign.registry import MODELS
from vlalign.testing import (TINY_BERT, TINY_CLASSES, demo_data_samples,
                             demo_inputs, tiny_recognizer_cfg)

CLASSES = list(TINY_CLASSES)
C = TINY_BERT['hidden_size']


def mo_cfg(**kwargs):
    """ViseceMo on a tiny ST-GCN and TINY_BERT."""
    return tiny_recognizer_cfg('ViseceMo', **dict(dict(momentum=0.9, queue_size=6), **kwargs))


def build(**kwargs) -> ViseceMo:
    torch.manual_seed(0)
    model = MODELS.build(mo_cfg(**kwargs))
    model.init_weights()
    return model


def momentum_tensors(model):
    return [t for m in model.momentum_encoders.values() for t in m.buffers()
            if t.is_floating_point()]


def test_loss_keys_train_step_and_enqueue():
    model = build()
    x = demo_inputs(mo_cfg(), batch_size=4)
    losses = model(x, demo_data_samples([0, 1, 2, 0]), mode='loss')
    assert {'loss_v2t', 'loss_t2v', 'logit_scale', 'alpha'} <= set(losses)
    assert losses['loss_v2t'].requires_grad and losses['loss_t2v'].requires_grad
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.queue.labels.tolist() == [0, 1, 2, 0, -1, -1]
    assert model.queue.ptr.item() == 4

    data = dict(inputs=list(demo_inputs(mo_cfg(), batch_size=3)),
                data_samples=demo_data_samples([3, 1, 2]))
    optim_wrapper = MagicMock()
    log_vars = model.train_step(data, optim_wrapper)
    assert 'loss' in log_vars and 'loss_v2t' in log_vars and 'alpha' in log_vars
    optim_wrapper.update_params.assert_called_once()
    # 4 + 3 rows in a queue of 6: the pointer wrapped around.
    assert model.queue.ptr.item() == 1
    assert model.queue.labels.tolist() == [2, 1, 2, 0, 3, 1]

    # Prediction is Visece's (online model); eval-mode losses leave the
    # queue and the EMA alone.
    model.eval()
    with torch.no_grad():
        out = model(x, demo_data_samples([0, 1, 2, 0]), mode='predict')
        before = [t.clone() for t in momentum_tensors(model)]
        model(x, demo_data_samples([0, 1, 2, 0]), mode='loss')
    assert torch.stack([o.pred_score for o in out]).shape == (4, len(CLASSES))
    assert model.queue.ptr.item() == 1
    assert all(torch.equal(a, b) for a, b in zip(before, momentum_tensors(model)))


def test_momentum_update_is_exact_ema():
    model = build()
    m = model.momentum
    gen = torch.Generator().manual_seed(1)
    expected = []
    with torch.no_grad():
        for name, mom in model.momentum_encoders.items():
            for key, p in getattr(model, name).named_parameters():
                p.copy_(torch.randn(p.shape, generator=gen))
                p_m = mom.get_buffer(key)
                p_m.copy_(torch.randn(p_m.shape, generator=gen))
                expected.append((p_m, m * p_m.clone() + (1 - m) * p.clone()))
    model.momentum_update()
    assert len(expected) == len(list(model.video_encoder.parameters())) + \
        len(list(model.text_encoder.parameters()))
    for p_m, target in expected:
        assert torch.allclose(p_m, target, atol=1e-6, rtol=0)


def test_momentum_copies_are_out_of_the_optimizer_and_get_no_gradient():
    model = build()
    assert momentum_tensors(model)
    mom_ids = {id(t) for t in momentum_tensors(model)}
    assert not mom_ids & {id(p) for p in model.parameters()}
    assert all(not t.requires_grad for t in momentum_tensors(model))
    # mmengine's constructor passes model.parameters() as they are (frozen
    # ones included) without paramwise_cfg; with it, it skips frozen ones.
    for cfg in (dict(optimizer=dict(type='AdamW', lr=1e-3)),
                dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.1),
                     paramwise_cfg=dict(
                         custom_keys={'text_encoder': dict(lr_mult=0.1)}))):
        optim_wrapper = build_optim_wrapper(model, cfg)
        # The optimizer's own groups: OptimWrapper.param_groups adds a dummy
        # group (a 0-d placeholder) when there are several.
        in_groups = {id(p) for g in optim_wrapper.optimizer.param_groups
                     for p in g['params']}
        assert len(in_groups) == len(list(model.parameters()))
        assert not mom_ids & in_groups
    # Nothing can turn them back into trainable weights.
    model.requires_grad_(True)
    assert all(not t.requires_grad for t in momentum_tensors(model))

    # A full step: gradients reach the online weights only, and the
    # optimizer changes the online weights only (the EMA ran in the loss).
    x = demo_inputs(mo_cfg(), batch_size=4)
    losses = model(x, demo_data_samples([0, 1, 2, 0]), mode='loss')
    after_ema = [t.clone() for t in momentum_tensors(model)]
    online = [p.clone() for p in model.video_encoder.parameters()]
    (losses['loss_v2t'] + losses['loss_t2v']).backward()
    assert all(t.grad is None for t in momentum_tensors(model))
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.video_encoder.parameters())
    optim_wrapper.step()
    assert all(torch.equal(a, b) for a, b in zip(after_ema,
                                                 momentum_tensors(model)))
    assert not all(torch.equal(a, b) for a, b in
                   zip(online, model.video_encoder.parameters()))


def test_frozen_encoder_gets_no_copy():
    model = build(text_encoder=dict(type='BertTextEncoder', config=TINY_BERT,
                                    frozen=True))
    assert set(model.momentum_encoders) == {'video_encoder'}
    losses = model(demo_inputs(mo_cfg()), demo_data_samples([0, 1]),
                   mode='loss')
    assert torch.isfinite(losses['loss_t2v'])


def test_embedders_get_momentum_copies_and_set_the_queue_width():
    linear = dict(type='Linear', in_features=C, out_features=16)
    model = build(video_embedder=linear, text_embedder=linear)
    assert set(model.momentum_encoders) == {
        'video_encoder', 'video_embedder', 'text_encoder', 'text_embedder'}
    assert model.queue.video.shape == model.queue.text.shape == (6, 16)
    with torch.no_grad():
        model.momentum_encoders['text_embedder'].weight.zero_()
    model.momentum = 0.5
    model(demo_inputs(mo_cfg()), demo_data_samples([0, 1]), mode='loss')
    assert torch.allclose(model.momentum_encoders['text_embedder'].weight,
                          0.5 * model.text_embedder.weight, atol=1e-6)


def test_momentum_pass_leaves_the_class_cache_online():
    model = build()
    with torch.no_grad():
        for t in momentum_tensors(model):
            t.mul_(0.5)  # momentum != online
    model(demo_inputs(mo_cfg()), demo_data_samples([0, 1]), mode='loss')
    model.eval()
    with torch.no_grad():
        cached = model.class_embeddings()
        assert torch.allclose(cached, model.encode_class_texts(CLASSES),
                              atol=1e-6)


def test_momentum_pass_runs_online_modules_with_ema_weights():
    model = build()
    model.eval()  # no dropout: the features are deterministic
    x = demo_inputs(mo_cfg(), batch_size=2)
    labels = torch.tensor([0, 3])
    with torch.no_grad():
        video = model.embed_video(model.extract_feat(x)[0])
        text = model.label_text_embeddings(labels)
        with model.momentum_weights():  # copies equal the online weights
            assert torch.allclose(
                model.embed_video(model.extract_feat(x)[0]), video, atol=1e-6)
        for t in momentum_tensors(model):
            t.mul_(0.5)
        with model.momentum_weights():
            video_m = model.embed_video(model.extract_feat(x)[0])
            text_m = model.label_text_embeddings(labels)
        # The online weights are back after the context.
        assert torch.allclose(model.embed_video(model.extract_feat(x)[0]),
                              video, atol=1e-6)
    assert not torch.allclose(video_m, video, atol=1e-3)
    assert not torch.allclose(text_m, text, atol=1e-3)


def test_queue_and_momentum_resume_from_state_dict():
    model = build()
    x = demo_inputs(mo_cfg(), batch_size=4)
    model(x, demo_data_samples([0, 1, 2, 0]), mode='loss')
    state = model.state_dict()
    for key in ('queue.video', 'queue.text', 'queue.labels', 'queue.ptr',
                'num_train_steps'):
        assert key in state
    assert any(k.startswith('momentum_encoders.video_encoder.') for k in state)
    assert any(k.startswith('momentum_encoders.text_encoder.') for k in state)

    torch.manual_seed(123)  # a different random init, overwritten by loading
    resumed = MODELS.build(mo_cfg())
    resumed.load_state_dict(state, strict=True)
    assert torch.equal(resumed.queue.video, model.queue.video)
    assert resumed.queue.ptr.item() == 4
    # Both continue identically (same dropout draws).
    for m in (model, resumed):
        torch.manual_seed(7)
        m(x, demo_data_samples([3, 3, 1, 2]), mode='loss')
    for key in ('video', 'text', 'labels', 'ptr'):
        assert torch.equal(getattr(resumed.queue, key),
                           getattr(model.queue, key))
    assert model.queue.ptr.item() == 2
    assert all(torch.equal(a, b) for a, b in zip(momentum_tensors(model),
                                                 momentum_tensors(resumed)))


def test_checkpoint_without_momentum_copies_starts_them_from_online():
    cfg = mo_cfg(type='Visece')
    del cfg['momentum'], cfg['queue_size']
    torch.manual_seed(5)
    plain = MODELS.build(cfg)  # e.g. a Visece checkpoint given as load_from
    model = build()
    result = model.load_state_dict(plain.state_dict(), strict=False)
    assert not any(k.startswith('momentum_encoders') for k in
                   result.missing_keys)
    for name, mom in model.momentum_encoders.items():
        for key, p in getattr(plain, name).named_parameters():
            assert torch.equal(mom.get_buffer(key), p)


def test_momentum_copy_keeps_shared_weights_shared():
    lin = torch.nn.Linear(3, 3)
    net = torch.nn.Sequential(lin, torch.nn.ReLU(), lin)
    copied = momentum_copy(net)
    assert not list(copied.parameters())
    assert copied[0].weight is copied[2].weight
    assert len(list(copied.buffers())) == 2


def test_feature_queue_wraps_around():
    queue = FeatureQueue(5, dict(a=2))
    assert queue.labels.tolist() == [-1] * 5
    assert torch.allclose(queue.a.norm(dim=-1), torch.ones(5))
    feats = torch.arange(14.).view(7, 2)
    queue.push(torch.tensor([0, 1, 2]), a=feats[:3])
    queue.push(torch.tensor([3, 4, 5, 6]), a=feats[3:])
    assert queue.ptr.item() == 2
    assert queue.labels.tolist() == [5, 6, 2, 3, 4]
    assert torch.equal(queue.get('a'), feats[[5, 6, 2, 3, 4]])
    # More rows than the queue holds: the newest ones are kept, in order.
    queue.push(torch.arange(10, 17), a=feats)
    assert queue.ptr.item() == 2
    assert queue.labels.tolist() == [15, 16, 12, 13, 14]
    with pytest.raises(KeyError, match='exactly the features'):
        queue.push(torch.tensor([0]), b=feats[:1])
    # Buffers only: saved in checkpoints, never trained.
    assert set(queue.state_dict()) == {'a', 'labels', 'ptr'}
    assert not list(queue.parameters())


def test_label_aware_targets_count_same_class_queue_entries():
    loss = MomentumDistillLoss()
    labels = torch.tensor([0, 1])
    # bank = batch (labels 0, 1) + queue (0, -1, 2, 1, 0)
    bank_labels = torch.tensor([0, 1, 0, -1, 2, 1, 0])
    y = loss.targets(labels, bank_labels, 2, 7, 0, torch.device('cpu'))
    assert torch.allclose(y, torch.tensor(
        [[1 / 3, 0, 1 / 3, 0, 0, 0, 1 / 3],
         [0, .5, 0, 0, 0, .5, 0]]))
    # Without labels: the own momentum feature (at the rank's offset).
    y = MomentumDistillLoss(label_aware=False).targets(
        labels, bank_labels, 2, 7, 2, torch.device('cpu'))
    assert torch.equal(y[:, 2:4], torch.eye(2)) and y.sum() == 2

    # Mixed targets and the loss, by hand.
    torch.manual_seed(0)
    v, t, v_m, t_m = (F.normalize(torch.randn(2, 4), dim=-1) for _ in range(4))
    v_bank = torch.cat([v_m, F.normalize(torch.randn(5, 4), dim=-1)])
    t_bank = torch.cat([t_m, F.normalize(torch.randn(5, 4), dim=-1)])
    s, alpha = torch.tensor(5.0), 0.3
    y_gt = loss.targets(labels, bank_labels, 2, 7, 0, torch.device('cpu'))
    y_v2t = alpha * (s * v_m @ t_bank.t()).softmax(-1) + (1 - alpha) * y_gt
    y_t2v = alpha * (s * t_m @ v_bank.t()).softmax(-1) + (1 - alpha) * y_gt
    assert torch.allclose(y_v2t.sum(-1), torch.ones(2))
    out = loss(v, t, v_m, t_m, v_bank, t_bank, s, labels, bank_labels,
               alpha=alpha)
    expected_v2t = -(y_v2t * F.log_softmax(s * v @ t_bank.t(), -1)).sum(-1).mean()
    expected_t2v = -(y_t2v * F.log_softmax(s * t @ v_bank.t(), -1)).sum(-1).mean()
    assert torch.allclose(out['loss_v2t'], expected_v2t, atol=1e-6)
    assert torch.allclose(out['loss_t2v'], expected_t2v, atol=1e-6)


def test_alpha_warmup_ramps_linearly():
    model = build(alpha=0.4, alpha_warmup_iters=4)
    assert model.current_alpha().item() == 0.0
    model.num_train_steps.fill_(2)
    assert model.current_alpha().item() == pytest.approx(0.2)
    model.num_train_steps.fill_(9)
    assert model.current_alpha().item() == pytest.approx(0.4)
    with pytest.raises(ValueError, match='momentum'):
        MODELS.build(mo_cfg(momentum=1.5))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _worker(rank, world, port, out):
    import torch.distributed as dist
    from vlalign.utils import register_all_modules
    register_all_modules()
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    torch.manual_seed(0)  # same weights on every rank (as mmengine's seed)
    model = MODELS.build(mo_cfg(queue_size=10))
    cfg = mo_cfg()
    labels = [[0, 1], [2, 2]][rank]  # different local batches
    torch.manual_seed(100 + rank)
    for _ in range(2):
        model(demo_inputs(cfg, batch_size=2), demo_data_samples(labels),
              mode='loss')
    out[rank] = {k: v.clone() for k, v in model.queue.state_dict().items()}
    dist.destroy_process_group()


def test_two_process_queues_are_identical():
    manager = mp.Manager()
    out = manager.dict()
    mp.spawn(_worker, args=(2, _free_port(), out), nprocs=2)
    q0, q1 = out[0], out[1]
    for key in ('video', 'text', 'labels', 'ptr'):
        assert torch.equal(q0[key], q1[key]), key
    # Two steps of a global batch of 4, gathered in rank order.
    assert q0['ptr'].item() == 8
    assert q0['labels'].tolist() == [0, 1, 2, 2, 0, 1, 2, 2, -1, -1]
    # Rank 1's momentum features differ from rank 0's: both reached the queue.
    assert not torch.allclose(q0['video'][0], q0['video'][2])
