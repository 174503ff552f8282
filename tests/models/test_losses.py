import math
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F

from vlalign.models.layers import LogitScale
from vlalign.models.losses import VideoTextContrastiveLoss
from vlalign.registry import LOSSES


def test_contrastive_hand_computed():
    # Two orthogonal pairs: v0=t0=e0, v1=t1=e1, scale 2 -> logits [[2,0],[0,2]]
    v = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    t = v.clone()
    loss = VideoTextContrastiveLoss()(v, t, torch.tensor(2.0),
                                      torch.tensor([0, 1]))
    expected = -math.log(math.exp(2) / (math.exp(2) + 1))
    assert loss['loss_v2t'].item() == pytest.approx(expected, rel=1e-6)
    assert loss['loss_t2v'].item() == pytest.approx(expected, rel=1e-6)


def test_contrastive_asymmetric_case_by_hand():
    v = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    t = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    s = torch.tensor(3.0)
    out = VideoTextContrastiveLoss(label_aware=False)(v, t, s)
    logits = s * v @ t.t()  # [[0, 3], [2.4, 1.8]]
    v2t = -(F.log_softmax(logits, 1).diag()).mean()
    t2v = -(F.log_softmax(logits.t(), 1).diag()).mean()
    lse = lambda a, b: math.log(math.exp(a) + math.exp(b))  # noqa: E731
    assert v2t.item() == pytest.approx(
        0.5 * ((lse(0, 3) - 0) + (lse(2.4, 1.8) - 1.8)), rel=1e-6)
    assert out['loss_v2t'].item() == pytest.approx(v2t.item(), rel=1e-6)
    assert out['loss_t2v'].item() == pytest.approx(t2v.item(), rel=1e-6)


def test_contrastive_symmetry():
    torch.manual_seed(0)
    v = F.normalize(torch.randn(6, 8), dim=-1)
    t = F.normalize(torch.randn(6, 8), dim=-1)
    labels = torch.tensor([0, 1, 2, 0, 3, 4])
    loss = VideoTextContrastiveLoss()
    a = loss(v, t, torch.tensor(10.0), labels)
    b = loss(t, v, torch.tensor(10.0), labels)  # swap the modalities
    assert torch.allclose(a['loss_v2t'], b['loss_t2v'])
    assert torch.allclose(a['loss_t2v'], b['loss_v2t'])


def test_label_aware_targets_spread_over_same_class():
    loss = VideoTextContrastiveLoss()
    labels = torch.tensor([0, 0, 1])
    y = loss.targets(labels, labels, 3, 3, 0, torch.device('cpu'))
    assert torch.allclose(y, torch.tensor([[.5, .5, 0], [.5, .5, 0],
                                           [0, 0, 1.]]))
    y = VideoTextContrastiveLoss(label_aware=False).targets(
        labels, labels, 3, 3, 0, torch.device('cpu'))
    assert torch.equal(y, torch.eye(3))


def test_losses_registry_falls_back_to_mmaction():
    assert type(LOSSES.build(dict(type='VideoTextContrastiveLoss'))).__name__ \
        == 'VideoTextContrastiveLoss'
    # mmaction2 registers its losses in MODELS; LOSSES finds them too.
    assert type(LOSSES.build(dict(type='CrossEntropyLoss'))).__name__ == \
        'CrossEntropyLoss'


def test_logit_scale_clamped():
    s = LogitScale(0.07, max_scale=100)
    assert s().item() == pytest.approx(1 / 0.07, rel=1e-5)
    with torch.no_grad():
        s.log_scale.fill_(10.0)
    assert s().item() == pytest.approx(100.0, rel=1e-5)
    with torch.no_grad():
        s.log_scale.fill_(-3.0)
    assert s().item() == pytest.approx(1.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _worker(rank, world, port, v, t, labels, out):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    b = v.shape[0] // world
    sl = slice(rank * b, (rank + 1) * b)
    v_local = v[sl].clone().requires_grad_(True)
    losses = VideoTextContrastiveLoss()(v_local, t[sl], torch.tensor(5.0),
                                        labels[sl])
    total = losses['loss_v2t'] + losses['loss_t2v']
    total.backward()
    out[rank] = (total.detach(), v_local.grad)
    dist.destroy_process_group()


def test_two_process_gathered_loss_equals_single_process():
    torch.manual_seed(0)
    v = F.normalize(torch.randn(8, 16), dim=-1)
    t = F.normalize(torch.randn(8, 16), dim=-1)
    labels = torch.tensor([0, 1, 2, 3, 0, 5, 6, 1])
    v_full = v.clone().requires_grad_(True)
    single = VideoTextContrastiveLoss()(v_full, t, torch.tensor(5.0), labels)
    single_total = single['loss_v2t'] + single['loss_t2v']
    single_total.backward()

    manager = mp.Manager()
    out = manager.dict()
    mp.spawn(_worker, args=(2, _free_port(), v, t, labels, out), nprocs=2)
    # DDP averages the ranks: the mean rank loss is the global batch loss.
    mean_loss = (out[0][0] + out[1][0]) / 2
    assert mean_loss.item() == pytest.approx(single_total.item(), rel=1e-5)
    # ... and the averaged gradient (each rank holds its own rows) matches.
    grad = torch.cat([out[0][1], out[1][1]]) / 2
    assert torch.allclose(grad, v_full.grad, atol=1e-6)
