import os

import pytest

from vlalign.classes.class_texts import (PROMPT_SETS, expand_class_texts,
                                          get_prompt_templates,
                                          guess_text_format, load_class_texts,
                                          load_pasta_texts, load_sentence_texts,
                                          load_synonym_texts)
from vlalign.utils.errors import ConfigError, DataError

GAP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), 'shared', 'data', 'text',
    'gap')


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_pasta_both_styles(tmp_path):
    path = write(tmp_path, 'parts.txt',
                 'sit down;head: tilts forward; hand: rests; foot rests\n'
                 'wave;head turns;hand moves;\n')
    texts = load_pasta_texts(path)
    assert texts == {'sit down': ['head tilts forward', 'hand rests',
                                  'foot rests'],
                     'wave': ['head turns', 'hand moves']}
    whole = load_class_texts(path, fmt='pasta', include_whole=True)
    assert whole['wave'] == ['head turns', 'hand moves',
                             'head turns; hand moves']


def test_sentence_comma_or_semicolon(tmp_path):
    path = write(tmp_path, 'para.txt',
                 '# generated\n'
                 'jump up,He jumps. He lands; softly.\n'
                 '\n'
                 'pick up with one hand;He bends, then lifts it.\n')
    texts = load_sentence_texts(path)
    assert texts == {'jump up': ['He jumps. He lands; softly.'],
                     'pick up with one hand': ['He bends, then lifts it.']}
    split = load_sentence_texts(path, split_sentences=True)
    assert split['jump up'] == ['He jumps.', 'He lands; softly.']


def test_synonyms_deduplicated(tmp_path):
    path = write(tmp_path, 'syn.txt',
                 'eat meal,dine, lunch, feast, Lunch,  \nthrow,cast, hurl\n')
    assert load_synonym_texts(path) == {'eat meal': ['dine', 'lunch', 'feast'],
                                        'throw': ['cast', 'hurl']}


def test_formats_guessed(tmp_path):
    cases = {
        'a.txt': ('drink water;head tilts;hand lifts;arm bends;hip stays\n',
                  'pasta'),
        'b.txt': ('drink water,sip, gulp, swig\n', 'synonym'),
        'c.txt': ('drink water,The man drinks. He sets the glass down.\n',
                  'sentence'),
        'd.txt': (' drink water\r\n eat meal\r\n', 'names'),
        'x_synonym.txt': ('a,The man drinks.\n', 'synonym'),
    }
    for name, (text, fmt) in cases.items():
        assert guess_text_format(write(tmp_path, name, text)) == fmt, name
    assert load_class_texts(str(tmp_path / 'd.txt')) == {
        'drink water': ['drink water'], 'eat meal': ['eat meal']}
    with pytest.raises(ConfigError, match='unknown class text format'):
        load_class_texts(str(tmp_path / 'a.txt'), fmt='yaml')


@pytest.mark.parametrize('fmt,text,msg', [
    ('pasta', 'sit down;head tilts\nwave head turns\n',
     r'parts\.txt:2: expected "name;'),
    ('pasta', 'sit down;head tilts\nSit  Down;hand\n',
     r'parts\.txt:2: duplicate class "Sit  Down" \(first on line 1\)'),
    ('sentence', 'jump up,\n', r'parts\.txt:1: class "jump up" has no text'),
    ('synonym', ',sip\n', r'parts\.txt:1: empty class name'),
    ('synonym', '# only a comment\n', 'holds no classes'),
])
def test_malformed_lines_name_file_and_line(tmp_path, fmt, text, msg):
    path = write(tmp_path, 'parts.txt', text)
    with pytest.raises(DataError, match=msg):
        load_class_texts(path, fmt=fmt)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match='nope.txt does not exist'):
        load_class_texts(str(tmp_path / 'nope.txt'), fmt='synonym')


def test_expand_class_texts(tmp_path):
    syn = {'Jump Up': ['leap', 'hop'], 'sit down': ['be seated', 'leap']}
    parts = write(tmp_path, 'p.txt', 'jump up;legs push\nsit  down;hips drop\n')
    out = expand_class_texts(['jump up', 'sit down'],
                             templates=('{}', 'a person doing {}.'),
                             sources=[syn, parts])
    assert out == [['jump up', 'a person doing jump up.', 'leap', 'hop',
                    'legs push'],
                   ['sit down', 'a person doing sit down.', 'be seated',
                    'leap', 'hips drop']]
    assert expand_class_texts(['jump up'], sources=syn,
                              include_name=False) == [['leap', 'hop']]
    assert expand_class_texts(['wave']) == [['wave']]
    person = expand_class_texts(['clapping'], templates='person')[0]
    assert person[0] == 'a person is clapping.' and len(person) == len(
        PROMPT_SETS['person'])


def test_expand_lists_missing_classes(tmp_path):
    with pytest.raises(DataError, match=r"class_text_sources\[0\]: no texts "
                       r"for classes \['wave', 'clap'\]"):
        expand_class_texts(['jump up', 'wave', 'clap'],
                           sources={'jump up': ['leap']})
    # issue 17: a source read before (as the recognizer reads its
    # class_text_sources, i.e. --descriptions) is named by its file
    read = load_class_texts(write(tmp_path, 'desc_sentence.txt',
                                  'jump up;legs push off\n'))
    with pytest.raises(DataError, match=r"desc_sentence\.txt: no texts for "
                       r"classes \['wave'\]"):
        expand_class_texts(['jump up', 'wave'], sources=[read])
    path = write(tmp_path, 'syn_synonym.txt', 'jump up,leap\n')
    with pytest.raises(DataError, match=r"syn_synonym\.txt: no texts for "
                       r"classes \['put on a hat/cap'\]"):
        # Exact after case/space normalising: no '/' variants are guessed.
        expand_class_texts(['jump up', 'put on a hat/cap'], sources=path)
    with pytest.raises(ConfigError, match='without text'):
        expand_class_texts(['a'], include_name=False)
    with pytest.raises(ConfigError, match='exactly one'):
        expand_class_texts(['a'], templates=('a {} {}', ))


def test_purls_quoted_and_row_readers(tmp_path):
    purls = write(tmp_path, 'gpt3_desc_x.txt',
                  'sit down;look ahead;rest on knees;lean back;bend;'
                  'stand;lower;sit;lower the body onto a chair.\n')
    assert guess_text_format(purls) == 'purls'
    assert load_class_texts(purls)['sit down'] == ['lower the body onto a chair.']
    assert load_class_texts(purls, kind='parts')['sit down'] == [
        'head: look ahead', 'hands: rest on knees', 'torso: lean back',
        'legs: bend']
    with pytest.raises(ConfigError, match='unknown PURLS text kind "arms"'):
        load_class_texts(purls, kind='arms')
    bad = write(tmp_path, 'gpt3_desc_bad.txt', 'sit down;a;b\n')
    with pytest.raises(DataError, match=r'gpt3_desc_bad\.txt:1: expected 9'):
        load_class_texts(bad)
    quoted = write(tmp_path, 'q.txt', '"Jump up" is leaving the ground.\n'
                   '\u201cPickup\u201d involves lifting an object.\n')
    assert guess_text_format(quoted) == 'quoted'
    assert load_class_texts(quoted) == {
        'Jump up': ['"Jump up" is leaving the ground.'],
        'Pickup': ['\u201cPickup\u201d involves lifting an object.']}
    with pytest.raises(DataError, match=r'q2\.txt:2: expected a sentence'):
        load_class_texts(write(tmp_path, 'q2.txt', '"a" is x.\nb is y.\n'),
                         'quoted')
    from vlalign.classes.class_texts import load_row_texts
    rows = write(tmp_path, 'rows.txt', 'text a\ntext b\ntext c\n')
    assert load_row_texts(rows, ['a', 'b', 'c']) == {
        'a': ['text a'], 'b': ['text b'], 'c': ['text c']}
    assert list(load_row_texts(rows, ['a', 'b'], first_rows=True)) == ['a', 'b']
    with pytest.raises(DataError, match=r'rows\.txt: 3 texts for 2 class'):
        load_row_texts(rows, ['a', 'b'])
    # every loader remembers its file
    assert load_class_texts(rows, 'names').source == rows


def test_prompt_sets_valid():
    for name, templates in PROMPT_SETS.items():
        assert get_prompt_templates(name) == templates
        assert all(t.count('{}') == 1 for t in templates), name
    assert len(PROMPT_SETS['actionclip']) == 16
    with pytest.raises(ConfigError, match='unknown prompt set'):
        get_prompt_templates('cartoon')


@pytest.mark.skipif(not os.path.isdir(GAP), reason='shared GAP texts absent')
def test_real_gap_files():
    ntu120 = list(load_class_texts(os.path.join(GAP, 'ntu120_label_map.txt')))
    assert len(ntu120) == 120
    for prefix, num, names in (('ucla_', 10, None), ('', 120, ntu120)):
        for kind, fmt in (('pasta', 'pasta'), ('sentence', 'sentence'),
                          ('synonym', 'synonym')):
            path = os.path.join(GAP, f'{prefix}{kind}_openai_t01.txt')
            texts = load_class_texts(path)
            assert len(texts) == num, path
            assert guess_text_format(path) == fmt
            if kind == 'pasta':
                # One text per body part: head, hand, arm, hip, leg, foot.
                assert all(len(t) == 6 for t in texts.values()), path
            if names is not None:
                assert len(expand_class_texts(names, sources=texts)) == 120
    ucla = load_pasta_texts(os.path.join(GAP, 'ucla_pasta_openai_t01.txt'))
    assert ucla['sit down'][0] == 'head tilts forward'


def test_shipped_penn_action_descriptions_cover_its_classes():
    """The description file of the Penn Action -desc recipe names exactly
    Penn Action's 15 classes (checked against the data when present)."""
    import os

    from vlalign.classes.class_texts import load_class_texts
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    texts = load_class_texts(os.path.join(
        repo, 'vlalign/classes/data/texts/vlalign/penn_action_sentence.txt'))
    assert len(texts) == 15 and all(len(v) == 1 for v in texts.values())
    names = os.path.join(repo, 'data/penn_action/class_names.txt')
    if os.path.exists(names):
        from vlalign.classes import load_class_names
        assert sorted(texts) == sorted(load_class_names(names))
