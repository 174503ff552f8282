"""Named description sources: every shipped one resolves onto its dataset's
label file, the positional mapping is right, and the errors say what to do."""
import filecmp
import os
import os.path as osp
import re

import pytest
import torch

from vlalign.classes import expand_class_texts, load_class_names
from vlalign.classes.class_texts import load_class_texts
from vlalign.classes.text_sources import (LABEL_ROOT, SOURCES, TEXT_ROOT,
                                          is_named_source, list_text_sources,
                                          resolve_text_source)
from vlalign.utils.errors import ConfigError, DataError

SHARED_TEXT = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))), 'shared', 'data', 'text')
STAR_FILE = osp.join(SHARED_TEXT, 'star', 'ntu120_part_descriptions.txt')
SHIPPED = [s for s in list_text_sources() if not s.startswith('star:')]


def _labels(source: str, dataset: str):
    entry = SOURCES[(source, dataset)]
    name = entry.labels or dataset
    return load_class_names(osp.join(LABEL_ROOT, f'{name}.txt'))


@pytest.mark.parametrize('spec', SHIPPED)
def test_shipped_source_covers_its_label_file(spec):
    source, dataset, _ = spec.split(':')
    texts = resolve_text_source(spec)
    assert list(texts) == _labels(source, dataset)
    assert all(texts[n] and all(t.strip() for t in texts[n]) for n in texts)
    assert spec in texts.source and osp.isfile(texts.source.split('(')[-1][:-1])


def _stems(text: str):
    return {w[:4] for w in re.findall(r'[a-z]+', text.lower()) if len(w) >= 3}


@pytest.mark.parametrize('key', [k for k, e in SOURCES.items()
                                 if e.labels and e.fmt != 'rows'
                                 and e.shipped])
def test_rows_map_to_the_right_label(key):
    """Rows are mapped by position; each row's own name shares a word with
    the label it is mapped to (GAP's 'capitulate' = 'hands up (both
    hands)' is the one exception)."""
    entry = SOURCES[key]
    kind = next(iter(entry.files))
    fmt = kind if entry.fmt == 'auto' else entry.fmt
    own = list(load_class_texts(osp.join(TEXT_ROOT, entry.files[kind]), fmt))
    labels = _labels(*key)
    bad = [(o, lab) for o, lab in zip(own, labels)
           if not _stems(o) & _stems(lab) and o != 'capitulate']
    assert not bad


def test_purls_kinds_and_row_63():
    names = load_class_names(osp.join(LABEL_ROOT, 'ntu120.txt'))
    assert names[62] == 'shoot at the basket'
    own = load_class_texts(osp.join(TEXT_ROOT, 'purls/gpt3_desc_ntu120.txt'),
                           'purls')
    assert list(own)[62] == 'shoot at the basketball'
    texts = resolve_text_source('purls:ntu120:global')
    assert texts['shoot at the basket'] == own['shoot at the basketball']
    ucla = 'pick up with one hand'
    parts = resolve_text_source('purls:nw_ucla:parts')[ucla]
    assert [t.split(':')[0] for t in parts] == ['head', 'hands', 'torso', 'legs']
    phases = resolve_text_source('purls:nw_ucla:phases')[ucla]
    assert [t.split(':')[0] for t in phases] == ['start', 'middle', 'end']
    glob = resolve_text_source('purls:nw_ucla:global')[ucla]
    assert len(glob) == 1 and ':' not in glob[0]
    assert resolve_text_source('purls:nw_ucla:all')[ucla] == parts + phases + glob
    # NTU-60 = the first 60 rows of the NTU-120 sheet
    ntu60 = resolve_text_source('purls:ntu60:global')
    assert len(ntu60) == 60 and all(ntu60[n] == texts[n] for n in ntu60)


def test_protocol_name_stands_for_its_dataset():
    assert resolve_text_source('purls:nw-ucla_purls_5-5:global') == \
        resolve_text_source('purls:nw_ucla:global')
    assert resolve_text_source('gap:ntu60_synse_55-5:synonym') == \
        resolve_text_source('gap:ntu60:synonym')
    assert resolve_text_source('smie:ntu60') == resolve_text_source(
        'sa-dvae:ntu60:sentence')


def test_bad_specs_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"sources \['gap', 'pgfa'"):
        resolve_text_source('nope:ntu60')
    with pytest.raises(ConfigError, match=r"no texts for dataset \"penn\""):
        resolve_text_source('purls:penn')
    with pytest.raises(ConfigError, match=r"name the kind, one of \['pasta'"):
        resolve_text_source('gap:ntu60')
    with pytest.raises(ConfigError, match='unknown kind "parts"'):
        resolve_text_source('gap:ntu60:parts')
    with pytest.raises(ConfigError, match='states no licence.*@/path/to/'
                       'ntu120_part_descriptions.txt'):
        resolve_text_source('star:ntu120:parts')
    with pytest.raises(DataError, match='does not exist'):
        resolve_text_source(f'star:ntu120:parts@{tmp_path}/none.txt')
    short = tmp_path / 'short.txt'
    short.write_text('a; head: x; hand: y; arm: z\n')
    with pytest.raises(DataError, match='1 classes, but the label file '
                       'ntu120.txt has 120'):
        resolve_text_source(f'star:ntu120:parts@{short}')
    # a file of that name wins over the named source
    local = tmp_path / 'gap:ntu60:pasta'
    local.write_text('jump up;legs push\n')
    assert not is_named_source(str(local))
    assert list(load_class_texts(str(local), 'pasta')) == ['jump up']


@pytest.mark.skipif(not osp.isfile(STAR_FILE), reason='shared data absent')
def test_star_read_from_the_users_copy():
    texts = resolve_text_source(f'star:ntu120:parts@{STAR_FILE}')
    assert list(texts) == load_class_names(osp.join(LABEL_ROOT, 'ntu120.txt'))
    assert len(texts['drink water']) == 6
    assert texts['drink water'][0].startswith('Head ')


@pytest.mark.skipif(not osp.isdir(SHARED_TEXT), reason='shared data absent')
def test_shipped_files_are_the_published_ones():
    for folder in ('gap', 'purls', 'smie', 'pgfa'):
        for name in os.listdir(osp.join(TEXT_ROOT, folder)):
            if folder == 'gap' and name == 'LICENSE':
                continue  # the Apache-2.0 text (the shared copy has none)
            ours = osp.join(TEXT_ROOT, folder, name)
            assert filecmp.cmp(ours, osp.join(SHARED_TEXT, folder, name),
                               shallow=False), ours
    assert not osp.exists(osp.join(TEXT_ROOT, 'star'))


def test_packaged_by_setup_glob():
    """setup.py ships classes/data/texts/*.md and */*: no deeper files."""
    for root, _, files in os.walk(TEXT_ROOT):
        depth = osp.relpath(root, TEXT_ROOT).count(os.sep) + (root != TEXT_ROOT)
        assert depth <= 1 or not files, root
    for folder in ('gap', 'purls', 'smie', 'pgfa'):
        assert osp.isfile(osp.join(TEXT_ROOT, folder, 'LICENSE'))


def test_ensemble_of_name_and_sources():
    names = ['pick up with one hand', 'throw']
    per_class = expand_class_texts(
        names, 'plain', ['purls:nw_ucla:global', 'gap:nw_ucla:pasta'])
    assert [len(t) for t in per_class] == [1 + 1 + 6, 1 + 1 + 6]
    assert per_class[1][0] == 'throw'


def test_model_reads_a_named_source():
    from vlalign.registry import MODELS
    from vlalign.testing import tiny_recognizer_cfg
    torch.manual_seed(0)
    model = MODELS.build(tiny_recognizer_cfg(
        class_text_sources=['purls:nw_ucla:global'])).eval()
    names = load_class_names(osp.join(LABEL_ROOT, 'nw_ucla.txt'))
    assert model.encode_class_texts(names).shape[0] == 10
    with pytest.raises(DataError, match=r'purls:nw_ucla:global .*gpt3_desc_'
                       r"nw_ucla.txt\): no texts for classes \['jump'\]"):
        model.encode_class_texts(['throw', 'jump'])
