"""Cross-task attention, multi-scale temporal block, head and recognizer."""
from pathlib import Path
from unittest.mock import MagicMock

import math
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from vlalign.models.heads.verb_noun_head import VerbNounHead
from vlalign.models.layers import (CrossTaskAttention,
                                   MultiScaleTemporalBlock,
                                   local_attention_mask)
from vlalign.registry import MODELS
from vlalign.testing import TINY_BERT
from vlalign.testing.tiny import shrink_model_cfg

REPO = Path(__file__).resolve().parents[2]
DEMO_CFG = (REPO / 'configs' / 'verb_noun' /
            'verbnoun-xattn_mstemporal_1xb16-u16-15e_epic-demo-feature.py')
TEXT_CFG = DEMO_CFG.with_name(DEMO_CFG.stem + '_textinit.py')
EPIC_CFG = (REPO / 'configs' / 'verb_noun' /
            'verbnoun-xattn_mstemporal_8xb32-u16-50e_epic-kitchens-100-'
            'feature.py')


def test_cross_attention_shapes_and_attention_maps() -> None:
    torch.manual_seed(0)
    block = CrossTaskAttention(16, num_heads=2).eval()
    verb, noun = torch.randn(3, 5, 16), torch.randn(3, 7, 16)
    v, n, w_vn, w_nv = block(verb, noun, return_attention=True)
    assert v.shape == (3, 5, 16) and n.shape == (3, 7, 16)
    assert w_vn.shape == (3, 5, 7) and w_nv.shape == (3, 7, 5)
    torch.testing.assert_close(w_vn.sum(-1), torch.ones(3, 5))


def test_each_branch_depends_on_the_other_branch_input() -> None:
    torch.manual_seed(0)
    block = CrossTaskAttention(16, num_heads=2).eval()
    verb, noun = torch.randn(2, 6, 16), torch.randn(2, 6, 16)
    v0, n0 = block(verb, noun)
    # change only the noun input: the verb output changes
    v1, n1 = block(verb, noun + torch.randn_like(noun))
    assert (v1 - v0).abs().max() > 1e-3
    # change only the verb input: the noun output changes
    v2, n2 = block(verb + torch.randn_like(verb), noun)
    assert (n2 - n0).abs().max() > 1e-3
    # gradients flow across: d(verb out)/d(noun in) != 0 and vice versa
    noun_in = noun.clone().requires_grad_()
    verb_in = verb.clone().requires_grad_()
    v, n = block(verb_in, noun_in)
    g_noun, = torch.autograd.grad(v.sum(), noun_in, retain_graph=True)
    g_verb, = torch.autograd.grad(n.sum(), verb_in)
    assert g_noun.abs().sum() > 0 and g_verb.abs().sum() > 0
    # the two directions read the inputs, so swapping the attention modules
    # and the branches gives the swapped outputs
    swapped = CrossTaskAttention(16, num_heads=2).eval()
    def swap(key: str) -> str:  # norm_a.weight -> norm_b.weight, ...
        module, rest = key.split('.', 1)
        return module[:-1] + {'a': 'b', 'b': 'a'}[module[-1]] + '.' + rest
    swapped.load_state_dict({swap(k): t for k, t in block.state_dict().items()})
    sn, sv = swapped(noun, verb)
    torch.testing.assert_close(sv, v0)
    torch.testing.assert_close(sn, n0)


def test_local_attention_mask_by_hand() -> None:
    mask = local_attention_mask(6, 4)  # j - i in [-2, 1] allowed
    allowed = (~mask).int().tolist()
    assert allowed[0] == [1, 1, 0, 0, 0, 0]
    assert allowed[3] == [0, 1, 1, 1, 1, 0]
    assert allowed[5] == [0, 0, 0, 1, 1, 1]
    assert (~local_attention_mask(6, 16)).all()


def test_multiscale_block_is_local_at_small_windows() -> None:
    torch.manual_seed(0)
    block = MultiScaleTemporalBlock(16, windows=(2, 4), num_heads=2).eval()
    x = torch.randn(1, 12, 16)
    y = block(x)
    assert y.shape == (1, 12, 16)
    x2 = x.clone()
    # the widest window (4) spans offsets -2..+1: frames 0..6 do not see
    # frames 8.., frame 7 does
    x2[:, 8:] += torch.randn(1, 4, 16)
    y2 = block(x2)
    torch.testing.assert_close(y2[:, :7], y[:, :7])
    assert (y2[:, 7] - y[:, 7]).abs().max() > 1e-4
    # windows 4, 8, 16 (the default) see 16 frames: frame 0 sees frame 7
    wide = MultiScaleTemporalBlock(16, num_heads=2).eval()
    x3 = x.clone()
    x3[:, 7] += torch.randn(16)
    assert (wide(x3)[:, 0] - wide(x)[:, 0]).abs().max() > 1e-4


def test_label_smoothing_loss_by_hand() -> None:
    head = VerbNounHead(4, num_verbs=3, num_nouns=2, dropout=0.,
                        label_smoothing=0.1, loss_weights=(1., 0.5))
    verb_logits = torch.tensor([[2., 0., 0.]])
    noun_logits = torch.tensor([[0., 1.]])
    out = head.loss(verb_logits, noun_logits, torch.tensor([0]),
                    torch.tensor([0]))
    # smoothed target: (1 - 0.1) one-hot + 0.1 / L
    logp = F.log_softmax(verb_logits, -1)[0]
    expected_verb = -(0.9 + 0.1 / 3) * logp[0] - (0.1 / 3) * logp[1:].sum()
    logq = F.log_softmax(noun_logits, -1)[0]
    expected_noun = -(0.9 + 0.05) * logq[0] - 0.05 * logq[1]
    torch.testing.assert_close(out['loss_verb'], expected_verb)
    torch.testing.assert_close(out['loss_noun'], 0.5 * expected_noun)
    # verb right, noun wrong: no action hit
    assert out['verb_top1'] == 1 and out['noun_top1'] == 0
    assert out['action_top1'] == 0


def test_text_init_heads_start_from_class_name_embeddings() -> None:
    text_encoder = dict(type='BertTextEncoder', config=dict(TINY_BERT),
                        pooling='mean')
    torch.manual_seed(0)
    head = VerbNounHead(8, num_verbs=2, num_nouns=3, text_init=dict(
        text_encoder=text_encoder, verb_classes=['take', 'turn-on'],
        noun_classes=['tap', 'board:chopping', 'pan']))
    torch.manual_seed(0)
    encoder = MODELS.build(text_encoder).eval()
    with torch.no_grad():
        nouns = F.normalize(encoder(['tap', 'chopping board', 'pan']), dim=-1)
    torch.testing.assert_close(head.noun_cls.weight, nouns)
    assert head.verb_cls.weight.shape == (2, TINY_BERT['hidden_size'])
    assert math.isclose(head.verb_cls.log_scale.exp().item(), 1 / 0.07,
                        rel_tol=1e-5)
    # the text encoder is not kept: checkpoints hold only class embeddings
    assert not any('text' in k for k in head.state_dict())
    with pytest.raises(ValueError, match='has 2 classes but num_nouns is 3'):
        VerbNounHead(8, 2, 3, text_init=dict(
            text_encoder=text_encoder, verb_classes=['a', 'b'],
            noun_classes=['a', 'b']))


def _samples(verbs, nouns):
    out = []
    for v, n in zip(verbs, nouns):
        s = ActionDataSample()
        s.gt_verb = torch.tensor([v])
        s.gt_noun = torch.tensor([n])
        out.append(s)
    return out


@pytest.mark.parametrize('cfg_file', [DEMO_CFG, TEXT_CFG, EPIC_CFG])
def test_configs_build_and_train_step(cfg_file: Path) -> None:
    cfg = Config.fromfile(str(cfg_file))
    model_cfg = shrink_model_cfg(cfg.model.to_dict())
    head = model_cfg['cls_head']
    if 'text_init' in head:  # class files of the real data are not here
        head['text_init']['verb_classes'] = [
            f'verb {i}' for i in range(head['num_verbs'])]
        head['text_init']['noun_classes'] = [
            f'noun {i}' for i in range(head['num_nouns'])]
    model = MODELS.build(model_cfg)
    d, lv, ln = model.in_channels, head['num_verbs'], head['num_nouns']
    inputs = torch.randn(3, 16, d)
    data = dict(inputs=list(inputs), data_samples=_samples([0, 1, 2],
                                                           [2, 1, 0]))
    optim_wrapper = MagicMock()
    optim_wrapper.optim_context.return_value.__enter__ = MagicMock()
    optim_wrapper.optim_context.return_value.__exit__ = MagicMock()
    log = model.train_step(data, optim_wrapper)
    assert {'loss', 'loss_verb', 'loss_noun', 'verb_top1', 'noun_top1',
            'action_top1'} <= set(log)
    optim_wrapper.update_params.assert_called_once()
    model.eval()
    out = model.val_step(data)
    assert out[0].pred_verb_score.shape == (lv, )
    assert out[0].pred_noun_score.shape == (ln, )
    torch.testing.assert_close(out[1].pred_noun_score.sum(), torch.tensor(1.))
    verb_logits, noun_logits = model(inputs, mode='tensor')
    assert verb_logits.shape == (3, lv) and noun_logits.shape == (3, ln)
    with pytest.raises(RuntimeError, match='Invalid mode "bad"'):
        model(inputs, mode='bad')


def test_recognizer_branches_interact_only_through_cross_attention() -> None:
    base = dict(type='VerbNounRecognizer', in_channels=8, embed_dims=16,
                num_heads=2, max_frames=16, dropout=0., drop_path=0.,
                cls_head=dict(type='VerbNounHead', num_verbs=3, num_nouns=4,
                              dropout=0.))
    torch.manual_seed(0)
    coupled = MODELS.build(base).eval()
    torch.manual_seed(0)
    separate = MODELS.build(dict(base, num_cross_blocks=0)).eval()
    x = torch.randn(2, 16, 8)
    for model, expect_coupled in ((coupled, True), (separate, False)):
        # perturb the noun branch after the shared encoder: verb logits
        # move only when the cross-attention couples the branches
        # (random: LayerNorm would cancel a constant shift)
        shift = torch.randn(2, 16, 16, generator=torch.Generator().manual_seed(1))

        def bump(_, __, out):
            return out + shift
        handle = model.noun_branch[0].register_forward_hook(bump)
        bumped = model(x, mode='tensor')[0]
        handle.remove()
        moved = (bumped - model(x, mode='tensor')[0]).abs().max() > 1e-4
        assert bool(moved) == expect_coupled


def test_training_batch_without_labels_is_an_error() -> None:
    from vlalign.utils.errors import DataError
    model = MODELS.build(dict(
        type='VerbNounRecognizer', in_channels=8, embed_dims=16, num_heads=2,
        cls_head=dict(type='VerbNounHead', num_verbs=3, num_nouns=4)))
    with pytest.raises(DataError, match='unlabelled'):
        model(torch.randn(2, 4, 8), _samples([0, -1], [1, -1]), mode='loss')
    with pytest.raises(DataError, match=r'expects features \[B, T, 8\]'):
        model(torch.randn(2, 4, 9), mode='tensor')


def test_labels_beyond_the_head_are_a_config_error() -> None:
    from vlalign.utils.errors import ConfigError
    head = VerbNounHead(4, num_verbs=3, num_nouns=2)
    with pytest.raises(ConfigError, match=r'noun label 5 but the head has 2 '
                                          r'nouns \(cls_head.num_nouns\)'):
        head.loss(torch.zeros(2, 3), torch.zeros(2, 2), torch.tensor([0, 2]),
                  torch.tensor([1, 5]))
