import json

import numpy as np
import pytest

from vlalign.datasets import TextEmbeddings, read_narrations, rewrite_tags
from vlalign.classes.text_encoding import encode_texts
from vlalign.data_prep.writers import write_text_embeddings
from vlalign.utils.errors import DataError


def test_rewrite_tags():
    assert rewrite_tags('#C C picks #unsure from #O') == \
        'Camera wearer C picks something from Other person'
    assert rewrite_tags('#O  man gives #Unsure to #C C') == \
        'Other person man gives something to Camera wearer C'
    assert rewrite_tags('#Cat stays') == '#Cat stays'  # whole tags only


def test_read_narrations_both_passes(tmp_path):
    doc = {'v1': {'narration_pass_1': {'narrations': [
                      {'timestamp_sec': 1.5, 'narration_text': '#C C sits'}],
                      'summaries': []},
                  'narration_pass_2': {'narrations': [
                      {'timestamp_sec': '2', 'narration_text': '#O X runs'}]}},
           'v2': {'narration_pass_2': {'narrations': []}}}
    path = tmp_path / 'n.json'
    path.write_text(json.dumps(doc))
    items = read_narrations(str(path))
    assert items == [
        dict(video_uid='v1', timestamp_sec=1.5, text='Camera wearer C sits',
             **{'pass': 'narration_pass_1'}),
        dict(video_uid='v1', timestamp_sec=2.0, text='Other person X runs',
             **{'pass': 'narration_pass_2'})]
    assert len(read_narrations(str(path), passes=['narration_pass_1'],
                               video_uids=['v1'])) == 1
    with pytest.raises(DataError, match='n.json: video "v2" has no field '
                       "'narration_pass_1'"):
        read_narrations(str(path), passes=['narration_pass_1'])


def test_embedding_store_roundtrip(tmp_path):
    emb = np.arange(12, dtype=np.float32).reshape(4, 3)
    meta = [dict(video_uid=f'v{i}', timestamp_sec=float(i)) for i in range(4)]
    paths = write_text_embeddings(str(tmp_path / 'e'), emb, meta,
                                  info=dict(model='x'))
    assert paths == dict(array=str(tmp_path / 'e.npy'),
                         meta=str(tmp_path / 'e.json'))
    for mmap in (False, True):
        store = TextEmbeddings(str(tmp_path / 'e.npy'), mmap=mmap)
        assert len(store) == 4 and store.dim == 3
        np.testing.assert_array_equal(store.embeddings, emb)
        assert store.items == meta and store.info['model'] == 'x'
    with pytest.raises(DataError, match='shape'):
        write_text_embeddings(str(tmp_path / 'f'), emb, meta[:3])
    assert not (tmp_path / 'f.npy').exists()


def test_encode_texts_batches_equal_one_pass():
    from vlalign.models.text_encoders import BertTextEncoder
    from vlalign.testing import TINY_BERT
    import torch
    torch.manual_seed(0)
    enc = BertTextEncoder(config=TINY_BERT, pooling='mean', frozen=True)
    texts = ['Camera wearer C cuts', 'Other person runs', 'a b c', 'x']
    one = encode_texts(texts, enc, batch_size=16)
    two = encode_texts(texts, enc, batch_size=3)
    assert one.shape == (4, 32) and one.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(one, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(one, two, atol=1e-5)
    raw = encode_texts(texts[:1], enc, normalize=False)
    tokens = enc.tokenize(texts[:1])
    with torch.no_grad():
        ref = enc.pool(enc.forward_tokens(**tokens), tokens['attention_mask'])
    np.testing.assert_allclose(raw, ref.numpy(), atol=1e-6)
