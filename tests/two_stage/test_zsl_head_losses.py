"""Each stage-2 head's loss against a value computed by hand on tiny inputs."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample

from vlalign.models.zsl_heads import (AlignZSLHead, CADAVAEHead, SADVAEHead,
                                      SMIEHead, SynSEHead)
from vlalign.models.zsl_heads import cada_vae, sa_dvae, synse
from vlalign.models.zsl_heads.smie import motion_masked_mean
from vlalign.models.zsl_heads.vae_blocks import kl_divergence
from vlalign.utils.errors import DataError
from vlalign.testing.zsl_features import zsl_head_kwargs as head_kwargs


def samples(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


def mean_only(mu, logvar, *args, **kwargs):
    return mu


def seen_labels(head, n=4):
    seen = torch.nonzero(head.fit_seen).view(-1)
    return seen[torch.arange(n) % len(seen)]


def test_kl_divergence_by_hand():
    # KL(N(1, 1) || N(0, 1)) = 0.5 in the first dim, 0 in the second.
    mu = torch.tensor([[1.0, 0.0]])
    assert float(kl_divergence(mu, torch.zeros(1, 2))) == pytest.approx(0.5)


def test_align_head_loss(zsl_set):
    torch.manual_seed(0)
    head = AlignZSLHead(**head_kwargs(zsl_set, embed_dim=8, hidden=8,
                                      dropout=0.0))
    labels = seen_labels(head)
    x = torch.randn(4, 32)
    losses = head.loss(dict(feature=x), samples(labels))
    v = F.normalize(head.video_proj(x), dim=-1)
    t = F.normalize(head.text_proj(head.class_emb[labels]), dim=-1)
    s = 1 / 0.07
    same = (labels[:, None] == labels[None]).float()
    target = same / same.sum(1, keepdim=True)
    v2t = -(target * (s * v @ t.t()).log_softmax(1)).sum(1).mean()
    t2v = -(target * (s * t @ v.t()).log_softmax(1)).sum(1).mean()
    assert float(losses['loss_v2t']) == pytest.approx(float(v2t), rel=1e-5)
    assert float(losses['loss_t2v']) == pytest.approx(float(t2v), rel=1e-5)


def test_cada_vae_loss(zsl_set, monkeypatch):
    monkeypatch.setattr(cada_vae, 'reparameterize', mean_only)
    torch.manual_seed(0)
    head = CADAVAEHead(**head_kwargs(zsl_set, latent_dim=4,
                                     feature_hidden=(8, 8),
                                     text_hidden=(8, 8)))
    head.set_epoch_length(1)
    head.step.fill_(50)  # epoch 50: beta 50/93*.25, CA (29/54)*2.37, DA 8.13
    labels = seen_labels(head)
    x = torch.rand(4, 32)
    t = head.class_emb[labels]
    losses = head.loss(dict(feature=x), samples(labels))
    mx, lx = head.x_enc(x)
    mt, lt = head.t_enc(t)
    recon = (head.x_dec(mx) - x).abs().sum() + (head.t_dec(mt) - t).abs().sum()
    cross = (head.x_dec(mt) - x).abs().sum() + (head.t_dec(mx) - t).abs().sum()
    kl = -0.5 * (1 + lx - mx ** 2 - lx.exp()).sum() - \
        0.5 * (1 + lt - mt ** 2 - lt.exp()).sum()
    dist = sum(math.sqrt(float(((mx[i] - mt[i]) ** 2).sum() + (
        (lx[i] / 2).exp() - (lt[i] / 2).exp()).pow(2).sum()))
        for i in range(4))
    assert float(losses['loss_recon']) == pytest.approx(float(recon), 1e-5)
    assert float(losses['loss_kl']) == pytest.approx(
        50 / 93 * 0.25 * float(kl), 1e-5)
    assert float(losses['loss_cross']) == pytest.approx(
        (50 - 21) / (75 - 21) * 2.37 * float(cross), 1e-5)
    assert float(losses['loss_distance']) == pytest.approx(8.13 * dist, 1e-5)


def test_cada_vae_distance_by_hand(zsl_set):
    # Means 1 apart, equal variances: the Wasserstein term is exactly 1.
    mu_x, mu_t = torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2)
    lv = torch.zeros(1, 2)
    d = torch.sqrt(((mu_x - mu_t) ** 2).sum(1) + (
        (lv / 2).exp() - (lv / 2).exp()).pow(2).sum(1)).sum()
    assert float(d) == 1.0


def test_synse_loss_and_schedule(zsl_set, monkeypatch):
    monkeypatch.setattr(synse, 'reparameterize', mean_only)
    torch.manual_seed(0)
    head = SynSEHead(**head_kwargs(zsl_set, latent_dim=6))
    # Third cycle, iteration 1600 of 1700.
    head.step.fill_(2 * 1700 + 1600)
    f = head.factors()
    assert f['kl'] == pytest.approx(0.1 * 600 / 3000)
    assert f['kl_text'] == pytest.approx(0.1 * 200 / 3000)
    assert f['cross'] == 1.0
    head.step.fill_(1700 + 1600)  # second cycle: no text KL yet
    assert head.factors()['kl_text'] == 0.0
    head.step.fill_(2 * 1700 + 1600)
    labels = seen_labels(head)
    s = torch.rand(4, 32)
    n, v = head.noun_emb[labels], head.verb_emb[labels]
    losses = head.loss(dict(feature=s), samples(labels))
    ms, ls = head.s_enc(s)
    mn, ln = head.n_enc(n)
    mv, lv = head.v_enc(v)
    mse = F.mse_loss
    recon = mse(head.s_dec(ms), s) + mse(head.n_dec(mn), n) + \
        mse(head.v_dec(mv), v)
    kl = f['kl'] * kl_divergence(ms, ls) + f['kl_text'] * (
        kl_divergence(mn, ln) + kl_divergence(mv, lv))
    cross = mse(head.n_dec(ms[:, :3]), n) + mse(head.v_dec(ms[:, 3:]), v) + \
        mse(head.s_dec(torch.cat([mn, mv], 1)), s)
    assert float(losses['loss_recon']) == pytest.approx(float(recon), 1e-5)
    assert float(losses['loss_kl']) == pytest.approx(float(kl), 1e-5)
    assert float(losses['loss_cross']) == pytest.approx(float(cross), 1e-5)


def test_synse_pos_split():
    assert synse.split_verb_noun('pick up with one hand') == ('pick up',
                                                              'one hand')
    assert synse.split_verb_noun('drop trash') == ('drop', 'trash')
    assert synse.split_verb_noun('clapping') == ('clapping', 'clapping')


def test_sadvae_loss_and_discriminator(zsl_set, monkeypatch):
    monkeypatch.setattr(sa_dvae, 'reparameterize', mean_only)
    torch.manual_seed(0)
    head = SADVAEHead(**head_kwargs(zsl_set, latent_dim=4, style_dim=4,
                                    cycle_length=100))
    head.step.fill_(2 * 100 + 90)  # third cycle, i = 90 of 100
    f = head.factors()
    scale = 100 / 1700
    assert f['kl'] == pytest.approx(0.1 * (90 - 1000 * scale) / (3000 * scale))
    assert f['kl_text'] == pytest.approx(0.1 * (90 - 80) / (3000 * scale))
    assert f['cross'] == 1.0
    labels = seen_labels(head)
    s = torch.rand(4, 32)
    t = head.class_emb[labels]
    losses = head.loss(dict(feature=s), samples(labels))
    mu, lv = head.s_enc(s)
    ms, mi = mu[:, :4], mu[:, 4:]
    mt, lt = head.t_enc(t)
    tc = head.discriminator(torch.cat([ms, mi], 1)).mean()
    cross = F.mse_loss(head.s_dec(torch.cat([mt, mi], 1)), s) + \
        F.mse_loss(head.t_dec(ms), t)
    assert float(losses['loss_tc']) == pytest.approx(f['kl_text'] * float(tc),
                                                     1e-5)
    assert float(losses['loss_cross']) == pytest.approx(float(cross), 1e-5)
    # The discriminator's BCE when it outputs 1/2 everywhere: log 2.
    last = head.discriminator.net[2]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    assert float(head.discriminator_loss(s, labels)) == pytest.approx(
        math.log(2), 1e-6)


def test_smie_mi_bound_by_hand(zsl_set):
    head = SMIEHead(**head_kwargs(zsl_set, hidden=(8, 8), temporal=False))
    # A critic that outputs the constant c = 0: I = -sp(0) - sp(0).
    last = head.critic[4]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    labels = seen_labels(head)
    losses = head.loss(dict(feature=torch.randn(4, 32)), samples(labels))
    assert float(losses['loss_mi']) == pytest.approx(2 * math.log(2), 1e-6)


def test_smie_temporal_loss(zsl_set):
    torch.manual_seed(0)
    head = SMIEHead(**head_kwargs(zsl_set, hidden=(8, 8), temporal=True,
                                  mask_ratio=0.0))
    labels = seen_labels(head)
    frames = torch.randn(4, 4, 32)
    x = frames.mean(1)
    losses = head.loss(dict(feature=x, frames=frames), samples(labels))
    # No frame masked: I_1 = I_0, the hinge is the margin.
    assert float(losses['loss_temporal']) == pytest.approx(0.5 * 0.1, 1e-5)


def test_motion_mask_drops_the_moving_frames():
    # Frame 2 jumps; with T = 4 and m = 1 it goes first, then one more.
    frames = torch.zeros(1, 4, 2)
    frames[0, 2] = 10.0
    out = motion_masked_mean(frames, 0.25,
                             generator=torch.Generator().manual_seed(0))
    assert out.shape == (1, 2)
    # Frames 1-3 neighbour the jump; whatever two are kept, frame 2 is not.
    assert float(out.abs().max()) == 0.0


def test_heads_refuse_unseen_training_labels(zsl_set):
    head = AlignZSLHead(**head_kwargs(zsl_set))
    unseen = torch.nonzero(head.fit_unseen).view(-1)[:1]
    with pytest.raises(DataError, match='not a seen class'):
        head(dict(feature=torch.randn(1, 32)), samples(unseen), mode='loss')
