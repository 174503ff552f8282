"""Class-text ensembles: templates (or a named prompt set) plus per-class
descriptions, averaged as normalised embeddings."""
import pytest
import torch
import torch.nn.functional as F

from vlalign.classes.class_texts import PROMPT_SETS
from vlalign.registry import MODELS
from vlalign.testing import tiny_recognizer_cfg
from vlalign.utils.errors import ConfigError, DataError


def _model(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(tiny_recognizer_cfg(**kwargs)).eval()


def test_descriptions_join_the_ensemble(tmp_path):
    names = ['jump up', 'sit down']
    source = {'jump up': ['legs push off', 'both feet leave the ground'],
              'sit down': ['hips lower onto a chair']}
    model = _model(templates=('a person doing {}.', '{}'),
                   class_text_sources=[source])
    got = model.encode_class_texts(names)
    with torch.no_grad():
        for i, name in enumerate(names):
            texts = [f'a person doing {name}.', name] + source[name]
            emb = F.normalize(model.embed_texts(texts), dim=-1).mean(0)
            torch.testing.assert_close(got[i], F.normalize(emb, dim=-1))

    # a description file works the same way, read at build time
    path = tmp_path / 'synonyms.txt'
    path.write_text('jump up,hop, leap\nsit down,be seated\n')
    model = _model(class_text_sources=[str(path)])
    assert model.encode_class_texts(names).shape == (2, 32)


def test_named_prompt_set_and_errors(tmp_path):
    assert _model(templates='person').templates == PROMPT_SETS['person']
    with pytest.raises(ConfigError, match='unknown prompt set'):
        _model(templates='nope')
    with pytest.raises(ConfigError, match='exactly one'):
        _model(templates=('no placeholder', ))
    model = _model(class_text_sources=[{'jump up': ['x']}])
    with pytest.raises(DataError, match='sit down'):
        model.encode_class_texts(['jump up', 'sit down'])
