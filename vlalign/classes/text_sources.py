"""Named per-class description sources: one config line picks the text.

A named source is ``'<source>:<dataset>[:<kind>][@<file>]'``::

    model = dict(class_text_sources=['purls:nw_ucla:global'])
    model = dict(class_text_sources=['gap:ntu60:pasta', 'smie:ntu60'])
    # a protocol name stands for its dataset:
    model = dict(class_text_sources=['purls:nw-ucla_purls_5-5:parts'])
    # sources vlalign does not ship are read from your copy:
    model = dict(class_text_sources=[
        'star:ntu120:parts@/data/STAR/text/ntu120_part_descriptions.txt'])

and works wherever a description file does (``class_text_sources``,
``tools/zeroshot.py --descriptions``, :func:`load_class_texts`). Sources
(:func:`list_text_sources` lists every spec; files, commits and licences in
``vlalign/classes/data/texts/README.md``):

==========  ====================================  ==========================
source      datasets                              kinds
==========  ====================================  ==========================
gap         ntu60, ntu120, nw_ucla                pasta, sentence, synonym
purls       ntu60, ntu120, nw_ucla, kinetics400   global, parts, phases, all,
                                                  head ... end (one column)
smie        ntu60, ntu120, pku_mmd                sentence
sa-dvae     ntu60, ntu120                         sentence (= smie's text)
pgfa        ntu60, ntu120, pku_mmd                ska (skeleton-focused)
star        ntu60, ntu120 (not shipped: @file)    parts
vlalign     penn_action, utkinect, msrc12         sentence
==========  ====================================  ==========================

Published sources spell class names their own way (GAP's "eat meal" for
NTU's "eat meal/snack", PURLS's row 63 "shoot at the basketball" for "shoot
at the basket", SMIE's "Jumping up" for "jump up"), but list them in the
dataset's label order. Their rows are therefore mapped *by position* onto
the dataset's label file in ``vlalign/classes/data/labels/`` (NTU-60 = the
first 60 rows of an NTU-120 file); the returned texts are keyed by those
label names, so they match a config whose ``class_file`` is that label
file. vlalign's own descriptions are keyed by name.
"""
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from vlalign.utils.errors import ConfigError, DataError
from .class_texts import (PURLS_KINDS, ClassTextSource, load_class_texts,
                          load_row_texts)
from .label_map import load_class_names

DATA_ROOT = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
TEXT_ROOT = osp.join(DATA_ROOT, 'texts')
LABEL_ROOT = osp.join(DATA_ROOT, 'labels')

_SPEC = re.compile(r'^([a-z][a-z0-9-]*):([A-Za-z0-9_.-]+)(?::([a-z_]+))?'
                   r'(?:@(.+))?$')


@dataclass(frozen=True)
class TextSourceEntry:
    """Where a named source's texts are and how to read them.

    Attributes:
        files (dict): ``{kind: file under vlalign/classes/data/texts/}``;
            ``None`` for a file vlalign does not ship.
        fmt (str): Reader format (:func:`load_class_texts`, or ``'rows'``).
        labels (str | None): Label file (``data/labels/<labels>.txt``) the
            first rows map onto by position (NTU-60: the first 60 rows of an
            NTU-120 file); ``None``: keyed by the file's names.
        expected_file (str): The source's own file name (for ``@file``).
        citation (str): Paper and repository.
        license (str): Licence of the text.
    """

    files: Dict[str, Optional[str]]
    fmt: str
    labels: Optional[str]
    expected_file: str
    citation: str
    license: str

    @property
    def shipped(self) -> bool:
        return all(f is not None for f in self.files.values())


_GAP = ('GAP, Xiang et al., "Generative Action Description Prompts for '
        'Skeleton-based Action Recognition", ICCV 2023; '
        'MartinXM/GAP@ca17b54267859a8c65a2b252872ba3853c010e19 text/')
_PURLS = ('PURLS, Zhu et al., "Part-aware Unified Representation of Language '
          'and Skeleton for Zero-shot Action Recognition", CVPR 2024; '
          'azzh1/PURLS@7198fe74ac114b37dd93d57a6946034d24ac1aff '
          'supplements/gpt3_desc.xlsx')
_SMIE = ('SMIE, Zhou et al., "Zero-shot Skeleton-based Action Recognition via '
         'Mutual Information Estimation and Maximization", ACM MM 2023; '
         'YujieOuO/SMIE@fa41f1d218621ab220c1b2186b513c0bcdee88c6 '
         'descriptions/ (the same text as pha123661/SA-DVAE@90d99b83 '
         'class_lists/*_llm.txt)')
_PGFA = ('PGFA, kaai520/PGFA@3e09542b98ac3af8a1ec84df85247c060d0932b8 '
         'descriptions/*_ska_gpt4.txt (GPT-4 skeleton-focused paragraphs)')
_STAR = ('STAR, cseeyangchen/STAR@917ca673162e344f65b50328f2d4d7a1fe58bc7b '
         'text/ntu120_part_descriptions.txt')
_VLALIGN = 'vlalign: one sentence per class, written before any run'


def _gap(prefix: str, labels: str) -> TextSourceEntry:
    return TextSourceEntry(
        {k: f'gap/{prefix}{k}_openai_t01.txt'
         for k in ('pasta', 'sentence', 'synonym')}, 'auto', labels,
        f'{prefix}<kind>_openai_t01.txt', _GAP, 'Apache-2.0')


def _purls(name: str, labels: str) -> TextSourceEntry:
    return TextSourceEntry({k: f'purls/gpt3_desc_{name}.txt'
                            for k in PURLS_KINDS}, 'purls', labels,
                           f'gpt3_desc_{name}.txt', _PURLS, 'BSD-3-Clause')


def _one(kind: str, path: Optional[str], fmt: str, labels: Optional[str],
         expected: str, citation: str, license: str) -> TextSourceEntry:
    return TextSourceEntry({kind: path}, fmt, labels, expected, citation,
                           license)


#: ``{(source, dataset): entry}``.
SOURCES: Dict[Tuple[str, str], TextSourceEntry] = {
    ('gap', 'ntu60'): _gap('', 'ntu60'),
    ('gap', 'ntu120'): _gap('', 'ntu120'),
    ('gap', 'nw_ucla'): _gap('ucla_', 'nw_ucla'),
    ('purls', 'ntu60'): _purls('ntu120', 'ntu60'),
    ('purls', 'ntu120'): _purls('ntu120', 'ntu120'),
    ('purls', 'nw_ucla'): _purls('nw_ucla', 'nw_ucla'),
    ('purls', 'kinetics400'): _purls('kinetics400', 'kinetics400'),
    ('pgfa', 'ntu60'): _one('ska', 'pgfa/ntu_ska_gpt4.txt', 'rows', 'ntu60',
                            'ntu_ska_gpt4.txt', _PGFA, 'MIT'),
    ('pgfa', 'ntu120'): _one('ska', 'pgfa/ntu_ska_gpt4.txt', 'rows',
                             'ntu120', 'ntu_ska_gpt4.txt', _PGFA, 'MIT'),
    ('pgfa', 'pku_mmd'): _one('ska', 'pgfa/pku_ska_gpt4.txt', 'rows',
                              'pku_mmd', 'pku_ska_gpt4.txt', _PGFA, 'MIT'),
    ('star', 'ntu60'): _one('parts', None, 'pasta', 'ntu60',
                            'ntu120_part_descriptions.txt', _STAR,
                            'none stated: not shipped'),
    ('star', 'ntu120'): _one('parts', None, 'pasta', 'ntu120',
                             'ntu120_part_descriptions.txt', _STAR,
                             'none stated: not shipped'),
}
for _src in ('smie', 'sa-dvae'):
    for _ds, _file in (('ntu60', 'ntu60_des.txt'),
                       ('ntu120', 'ntu120_des.txt'),
                       ('pku_mmd', 'pku_des.txt')):
        if _src == 'sa-dvae' and _ds == 'pku_mmd':
            continue
        SOURCES[(_src, _ds)] = _one('sentence', f'smie/{_file}', 'quoted', _ds,
                                    _file, _SMIE, 'MIT')
for _ds in ('penn_action', 'utkinect', 'msrc12'):
    SOURCES[('vlalign', _ds)] = _one(
        'sentence', f'vlalign/{_ds}_sentence.txt', 'sentence', None,
        f'{_ds}_sentence.txt', _VLALIGN, 'Apache-2.0 (vlalign)')


def list_text_sources() -> List[str]:
    """Every named source spec, ``source:dataset:kind``, sorted."""
    return sorted(f'{s}:{d}:{k}' for (s, d), e in SOURCES.items()
                  for k in e.files)


def is_named_source(spec: str) -> bool:
    """Whether ``spec`` is a named source (and not an existing file)."""
    if not isinstance(spec, str) or osp.exists(spec):
        return False
    match = _SPEC.match(spec)
    return bool(match) and match.group(1) in {s for s, _ in SOURCES}


def _dataset_key(source: str, token: str) -> str:
    """A dataset name, or a protocol name standing for its dataset."""
    from .protocols import list_protocols, load_protocol
    if token in list_protocols():
        labels = load_protocol(token).meta.get('labels')
        if labels:
            return osp.splitext(osp.basename(labels))[0]
    return token.lower().replace('-', '_')


def parse_text_source(spec: str) -> Tuple[str, str, str, Optional[str]]:
    """``(source, dataset, kind, file)`` of a named source spec.

    Raises:
        ConfigError: Unknown source, dataset or kind, or a kind left out
            where the source has several; each lists the choices.
    """
    match = _SPEC.match(spec) if isinstance(spec, str) else None
    sources = sorted({s for s, _ in SOURCES})
    if match is None or match.group(1) not in sources:
        raise ConfigError(f'"{spec}" is neither a file nor a named text source '
                          f'("<source>:<dataset>[:<kind>][@<file>]", sources '
                          f'{sources}; see vlalign.classes.text_sources)')
    source, token, kind, path = match.groups()
    dataset = _dataset_key(source, token)
    datasets = sorted(d for s, d in SOURCES if s == source)
    if (source, dataset) not in SOURCES:
        raise ConfigError(f'text source "{spec}": {source} has no texts for '
                          f'dataset "{token}"; it has {datasets}')
    kinds = list(SOURCES[(source, dataset)].files)
    if kind is None:
        if len(kinds) > 1:
            raise ConfigError(f'text source "{spec}": name the kind, one of '
                              f'{kinds} (e.g. "{source}:{dataset}:'
                              f'{kinds[0]}")')
        kind = kinds[0]
    if kind not in kinds:
        raise ConfigError(f'text source "{spec}": unknown kind "{kind}" for '
                          f'{source}:{dataset}; choose one of {kinds}')
    return source, dataset, kind, path


def _rekey(texts: ClassTextSource, entry: TextSourceEntry, where: str
           ) -> Dict[str, List[str]]:
    """Rows in file order -> the label file's names, by position."""
    labels = load_class_names(osp.join(LABEL_ROOT, f'{entry.labels}.txt'))
    rows = list(texts.values())
    if len(rows) < len(labels):
        raise DataError(f'{where}: {len(rows)} classes, but the label file '
                        f'{entry.labels}.txt has {len(labels)}')
    return dict(zip(labels, rows[:len(labels)]))


def resolve_text_source(spec: str) -> ClassTextSource:
    """Read a named source (see the module docstring).

    Args:
        spec (str): ``'<source>:<dataset>[:<kind>][@<file>]'``; ``@<file>``
            reads that file (your copy) the source's way, and is required
            for sources vlalign does not ship (STAR: no licence stated).

    Returns:
        ClassTextSource: ``{class name: [texts]}``, names of the dataset's
        label file (vlalign's own files: their names), ``source`` naming the
        spec and the file.

    Raises:
        ConfigError: For a bad spec or a missing ``@<file>``.
        DataError: For a file that is missing or malformed, or has fewer
            classes than the dataset.
    """
    source, dataset, kind, path = parse_text_source(spec)
    entry = SOURCES[(source, dataset)]
    if path is None:
        if entry.files[kind] is None:
            raise ConfigError(
                f'text source "{spec}": {entry.citation} states no licence, so '
                f'vlalign does not ship it; give your copy of '
                f'{entry.expected_file}: "{source}:{dataset}:{kind}@'
                f'/path/to/{entry.expected_file}"')
        path = osp.join(TEXT_ROOT, entry.files[kind])
    if not osp.isfile(path):
        raise DataError(f'text source "{spec}": file {path} does not exist')
    where = f'{spec} ({path})'
    if entry.fmt == 'rows':
        labels = load_class_names(osp.join(LABEL_ROOT, f'{entry.labels}.txt'))
        texts = load_row_texts(path, labels, first_rows=True)
    elif entry.fmt == 'purls':
        texts = load_class_texts(path, 'purls', kind=kind)
    elif entry.fmt == 'auto':
        texts = load_class_texts(path, kind)  # GAP: the kind is the format
    else:
        texts = load_class_texts(path, entry.fmt)
    if entry.labels is not None:
        texts = _rekey(texts, entry, where)
    return ClassTextSource(texts, source=where)


def text_source_files() -> List[str]:
    """The shipped description files (for packaging checks)."""
    out = []
    for root, _, files in os.walk(TEXT_ROOT):
        out.extend(osp.join(root, f) for f in files if f.endswith('.txt'))
    return sorted(out)
