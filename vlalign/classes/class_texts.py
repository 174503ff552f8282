"""Per-class text sources: prompt templates, descriptions and synonyms.

A zero-shot recognizer scores a class by the ensemble (mean of normalised
embeddings) of several texts about it. This module reads where those texts
come from and lays them out per class:

- prompt templates applied to the class name (:data:`PROMPT_SETS`);
- the generated action descriptions of GAP (Xiang et al., "Generative
  Action Description Prompts for Skeleton-based Action Recognition",
  ICCV 2023), one text file per kind, read by :func:`load_class_texts`:

  - ``pasta`` (:func:`load_pasta_texts`): body-part descriptions,
    ``name;head ...;hand ...;arm ...;hip ...;leg ...;foot ...``
    (``head: ...`` with colons is accepted too);
  - ``sentence`` (:func:`load_sentence_texts`): ``name,paragraph`` (NTU) or
    ``name;paragraph`` (NW-UCLA);
  - ``synonym`` (:func:`load_synonym_texts`): ``name,syn1, syn2, ...``;
  - ``names`` (:func:`load_name_texts`): a label file, one name a line;

- the GPT-3 descriptions of PURLS (Zhu et al., CVPR 2024), ``purls``
  (:func:`load_purls_texts`): ``name;head;hands;torso;legs;start;middle;
  end;global``, read as body parts, phases or the global description;
- one sentence per class quoting its name, ``"Name" is ...`` (SMIE and
  SA-DVAE), ``quoted`` (:func:`load_quoted_texts`);
- one text per line in label order without names (PGFA's skeleton-focused
  paragraphs), ``rows`` (:func:`load_row_texts`, names given by the
  caller).

STAR's part descriptions (``name; Head: ...; Hand: ...``) are ``pasta``.
Every loader returns a :class:`ClassTextSource` (``{class name: [texts]}``
in file order, with the file it came from) and raises :class:`DataError`
with ``file:line`` on a malformed line. :func:`load_class_texts` also takes
a named source of :mod:`vlalign.classes.text_sources` (e.g.
``'purls:nw_ucla:global'``). :func:`expand_class_texts` turns class names,
templates and sources into the list of texts to ensemble for each class.
"""
import os
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from vlalign.utils.errors import ConfigError, DataError
from .label_map import load_class_names

ClassTexts = Dict[str, List[str]]
TextSource = Union[str, Mapping[str, Sequence[str]]]


class ClassTextSource(dict):
    """``{class name: [texts]}`` that remembers where it was read from, so
    errors about it (e.g. a class it lacks) name the file.

    Attributes:
        source (str): The file (or named source and file).
    """

    def __init__(self, texts: Mapping[str, Sequence[str]] = (),
                 source: str = '') -> None:
        super().__init__(texts)
        self.source = source

#: Named prompt-template sets; each template holds exactly one ``{}``.
#:
#: - ``plain``: the class name alone.
#: - ``action``: the name as a noun phrase; grammatical for any label
#:   ("drink water", "clapping", "hopping (one foot jumping)").
#: - ``person``: sentences about a person, best with gerund labels
#:   ("clapping", "reading"); the last one is the prompt the original
#:   feature-CLIP experiments gave Kinetics labels ("The person in this
#:   video is doing <label>"; Charades-Ego labels were used as they are).
#: - ``skeleton``: sentences about body motion, for skeleton encoders.
#: - ``actionclip``: the 16 templates of ActionCLIP (Wang et al., 2021), as
#:   mmaction2's ``projects/actionclip`` uses them.
PROMPT_SETS: Dict[str, Tuple[str, ...]] = {
    'plain': ('{}', ),
    'action': ('{}', 'an action of {}.', 'a human action of {}.',
               'a video of the action {}.'),
    'person': ('a person is {}.', 'a video of a person {}.',
               'a human action of {}.',
               'The person in this video is doing {}.'),
    'skeleton': ('a skeleton sequence of a person doing {}.',
                 'the body motion of {}.',
                 'human joints moving as a person performs {}.'),
    'actionclip': ('a photo of action {}', 'a picture of action {}',
                   'Human action of {}', '{}, an action',
                   '{} this is an action', '{}, a video of action',
                   'Playing action of {}', '{}',
                   'Playing a kind of action, {}',
                   'Doing a kind of action, {}', 'Look, the human is {}',
                   'Can you recognize the action of {}?',
                   'Video classification of {}', 'A video of {}',
                   'The man is {}', 'The woman is {}'),
}

TEXT_FORMATS = ('pasta', 'sentence', 'synonym', 'names', 'purls', 'quoted',
                'rows')

#: Columns of a PURLS description line after the name, and the kinds of
#: text :func:`load_purls_texts` reads from them.
PURLS_COLUMNS = ('head', 'hands', 'torso', 'legs', 'start', 'middle', 'end',
                 'global')
PURLS_KINDS = ('global', 'parts', 'phases', 'all') + PURLS_COLUMNS[:-1]

# "head: tilts forward" (ucla_pasta) -> "head tilts forward" (pasta_openai).
_PART_COLON = re.compile(r'^([A-Za-z]+)\s*:\s*')
_SENTENCE_END = re.compile(r'(?<=[.!?])\s+')


def get_prompt_templates(templates: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """Templates from a :data:`PROMPT_SETS` name or a list of templates.

    Raises:
        ConfigError: If the name is unknown, the list is empty or a template
            does not hold exactly one ``{}``.
    """
    if isinstance(templates, str):
        if templates not in PROMPT_SETS:
            raise ConfigError(f'unknown prompt set "{templates}", choose one of '
                              f'{sorted(PROMPT_SETS)} or give a list of '
                              'templates')
        return PROMPT_SETS[templates]
    templates = tuple(templates)
    bad = [t for t in templates if t.count('{}') != 1]
    if not templates or bad:
        raise ConfigError(f'each prompt template needs exactly one "{{}}", '
                          f'got {bad or "no templates"}')
    return templates


def normalize_class_name(name: str) -> str:
    """Key for matching class names across files: lower case, single spaces."""
    return ' '.join(name.split()).lower()


# ----------------------------------------------------------------- readers
def _lines(path: str):
    """``(lineno, line)`` of the non-blank, non-comment lines of a file."""
    if not os.path.isfile(path):
        raise DataError(f'class text file {path} does not exist')
    # utf-8-sig: files saved by spreadsheet tools start with a BOM.
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    for lineno, line in enumerate(lines, start=1):
        if line.strip() and not line.lstrip().startswith('#'):
            yield lineno, line


def _add(out: ClassTexts, first: Dict[str, int], name: str, texts: List[str],
         path: str, lineno: int) -> None:
    if not name:
        raise DataError(f'{path}:{lineno}: empty class name')
    key = normalize_class_name(name)
    if key in first:
        raise DataError(f'{path}:{lineno}: duplicate class "{name}" (first on '
                        f'line {first[key]})')
    if not texts:
        raise DataError(f'{path}:{lineno}: class "{name}" has no text')
    first[key] = lineno
    out[name] = texts


def _split_name(line: str, seps: str, path: str, lineno: int,
                what: str) -> Tuple[str, str]:
    """Split ``name<sep>rest`` at the first separator in ``seps``."""
    match = re.search(f'[{re.escape(seps)}]', line)
    if match is None:
        raise DataError(f'{path}:{lineno}: expected "name{seps[0]}{what}", '
                        f'found no "{seps}" in: {line.strip()[:60]}')
    return line[:match.start()].strip(), line[match.end():].strip()


def _finish(out: ClassTexts, path: str) -> ClassTextSource:
    if not out:
        raise DataError(f'class text file {path} holds no classes')
    return ClassTextSource(out, source=path)


def load_pasta_texts(path: str, include_whole: bool = False) -> ClassTexts:
    """Read body-part descriptions, ``name;part;part;...``.

    GAP writes one description per part (head, hand, arm, hip, leg, foot);
    ``head: text`` and ``head text`` are both accepted and give
    ``head text``. Empty parts (a trailing ``;``) are skipped.

    Args:
        path (str): Text file.
        include_whole (bool): Also add all parts joined by ``'; '`` as the
            last text of each class. Defaults to ``False``.

    Returns:
        dict: ``{name: [part texts (+ whole)]}``.
    """
    out: ClassTexts = {}
    first: Dict[str, int] = {}
    for lineno, line in _lines(path):
        name, rest = _split_name(line, ';', path, lineno, 'part;part;...')
        parts = [_PART_COLON.sub(r'\1 ', p.strip()) for p in rest.split(';')]
        parts = [p for p in parts if p]
        texts = parts + (['; '.join(parts)] if include_whole and parts else [])
        _add(out, first, name, texts, path, lineno)
    return _finish(out, path)


def load_sentence_texts(path: str, split_sentences: bool = False) -> ClassTexts:
    """Read paragraphs, ``name,paragraph`` (NTU) or ``name;paragraph`` (UCLA).

    The class name ends at the first ``,`` or ``;``: class names hold
    neither.

    Args:
        path (str): Text file.
        split_sentences (bool): One text per sentence instead of one per
            paragraph. Defaults to ``False``.

    Returns:
        dict: ``{name: [paragraph]}`` (or ``[sentences]``).
    """
    out: ClassTexts = {}
    first: Dict[str, int] = {}
    for lineno, line in _lines(path):
        name, text = _split_name(line, ',;', path, lineno, 'paragraph')
        texts = ([s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
                 if split_sentences else ([text] if text else []))
        _add(out, first, name, texts, path, lineno)
    return _finish(out, path)


def load_synonym_texts(path: str) -> ClassTexts:
    """Read synonyms, ``name,syn1, syn2, ...``.

    Repeated synonyms of a class (GAP's lists have some) are kept once, so
    they do not weigh double in an ensemble.

    Returns:
        dict: ``{name: [synonyms]}``.
    """
    out: ClassTexts = {}
    first: Dict[str, int] = {}
    for lineno, line in _lines(path):
        name, rest = _split_name(line, ',', path, lineno, 'syn1, syn2, ...')
        syns: List[str] = []
        keys = set()
        for syn in (s.strip() for s in rest.split(',')):
            if syn and normalize_class_name(syn) not in keys:
                keys.add(normalize_class_name(syn))
                syns.append(syn)
        _add(out, first, name, syns, path, lineno)
    return _finish(out, path)


def load_name_texts(path: str) -> ClassTextSource:
    """Read a label file as ``{name: [name]}``."""
    return ClassTextSource({n: [n] for n in load_class_names(path)},
                           source=path)


def load_purls_texts(path: str, kind: str = 'global') -> ClassTextSource:
    """Read PURLS's GPT-3 descriptions (``supplements/gpt3_desc.xlsx`` as
    text): ``name;head;hands;torso;legs;start;middle;end;global``.

    Args:
        path (str): Text file, one class a line, 9 ``;``-separated fields.
        kind (str): Which texts: ``'global'`` (the whole action, one
            sentence), ``'parts'`` (head, hands, torso, legs), ``'phases'``
            (start, middle, end), ``'all'`` (the 8 of them) or one column
            (``'head'``, ..., ``'end'``). Part and phase texts are prefixed
            with their column (``"head: tilt back to drink"``): without it,
            "remain still to support the body" says nothing of which part.
            Defaults to ``'global'``.

    Returns:
        ClassTextSource: ``{name: [texts]}``.
    """
    if kind not in PURLS_KINDS:
        raise ConfigError(f'unknown PURLS text kind "{kind}", choose one of '
                          f'{list(PURLS_KINDS)}')
    groups = {'global': ('global', ), 'parts': PURLS_COLUMNS[:4],
              'phases': PURLS_COLUMNS[4:7], 'all': PURLS_COLUMNS}
    columns = groups.get(kind, (kind, ))
    out: ClassTexts = {}
    first: Dict[str, int] = {}
    for lineno, line in _lines(path):
        fields = [f.strip() for f in line.split(';')]
        if len(fields) != len(PURLS_COLUMNS) + 1:
            raise DataError(f'{path}:{lineno}: expected 9 ";"-separated '
                            'fields (name;head;hands;torso;legs;start;'
                            f'middle;end;global), found {len(fields)}')
        row = dict(zip(PURLS_COLUMNS, fields[1:]))
        texts = [row[c] if c == 'global' else f'{c}: {row[c]}'
                 for c in columns if row[c]]
        _add(out, first, fields[0], texts, path, lineno)
    return _finish(out, path)


# "Name" or “Name” at the start of a line.
_QUOTED = re.compile(r'^\s*["\u201c]([^"\u201d]+)["\u201d]')


def load_quoted_texts(path: str) -> ClassTextSource:
    """Read one sentence per class that starts with its quoted name,
    ``"Name" is ...`` (SMIE, SA-DVAE, PGFA's ``*_des.txt``); straight and
    curly quotes. The text is the whole sentence.

    Returns:
        ClassTextSource: ``{name: [sentence]}``.
    """
    out: ClassTexts = {}
    first: Dict[str, int] = {}
    for lineno, line in _lines(path):
        match = _QUOTED.match(line)
        if match is None:
            raise DataError(f'{path}:{lineno}: expected a sentence starting '
                            f'with the quoted class name, "Name" is ...; '
                            f'found: {line.strip()[:60]}')
        _add(out, first, match.group(1).strip(), [line.strip()], path, lineno)
    return _finish(out, path)


def load_row_texts(path: str, names: Sequence[str],
                   first_rows: bool = False) -> ClassTextSource:
    """Read one text per line, in label order, without class names
    (PGFA's ``*_ska_gpt4.txt`` paragraphs): line ``i`` is ``names[i]``.

    Args:
        path (str): Text file.
        names (list[str]): The class names, index = line (of the non-blank
            lines).
        first_rows (bool): Allow more lines than names and read the first
            ones (NTU-60 from an NTU-120 file). Defaults to ``False``.

    Returns:
        ClassTextSource: ``{name: [text]}``.

    Raises:
        DataError: If the file has another number of lines than ``names``
            (fewer, with ``first_rows``).
    """
    rows = [(lineno, line.strip()) for lineno, line in _lines(path)]
    if first_rows:
        rows = rows[:len(names)]
    if len(rows) != len(names):
        raise DataError(f'{path}: {len(rows)} texts for {len(names)} class '
                        'names (one text a line, in label order)')
    out: ClassTexts = {}
    first: Dict[str, int] = {}
    for name, (lineno, text) in zip(names, rows):
        _add(out, first, name, [text], path, lineno)
    return _finish(out, path)


def guess_text_format(path: str) -> str:
    """Format of a class text file, from its name, else from its lines.

    The file name decides when it holds ``pasta``, ``sentence`` /
    ``paragraph``, ``synonym`` or ``label_map``. Otherwise: no ``,``/``;``
    on any line -> ``names``; every line with three or more ``;`` ->
    ``pasta``; comma lists of short phrases (at most 5 words, no sentence
    end) -> ``synonym``; else ``sentence``. Give ``fmt`` explicitly when a
    file could be read either way.
    """
    base = os.path.basename(path).lower()
    for token, fmt in (('gpt3_desc', 'purls'), ('pasta', 'pasta'),
                       ('sentence', 'sentence'),
                       ('paragraph', 'sentence'), ('synonym', 'synonym'),
                       ('label_map', 'names')):
        if token in base:
            return fmt
    lines = [line for _, line in _lines(path)]
    if not lines:
        raise DataError(f'class text file {path} holds no classes')
    if all(_QUOTED.match(line) for line in lines):
        return 'quoted'
    if not any(',' in line or ';' in line for line in lines):
        return 'names'
    if all(line.count(';') >= 3 for line in lines):
        return 'pasta'
    items = [s.strip() for line in lines for s in line.split(',')[1:]]
    if items and all(len(s.split()) <= 5 and not s.endswith('.')
                     for s in items):
        return 'synonym'
    return 'sentence'


def load_class_texts(path: str, fmt: str = 'auto', **kwargs) -> ClassTextSource:
    """Read a per-class text file in any of :data:`TEXT_FORMATS`, or a
    named source.

    Args:
        path (str): Text file, or a named source of
            :mod:`vlalign.classes.text_sources` (``'<source>:<dataset>
            [:<kind>][@<file>]'``, e.g. ``'purls:nw_ucla:global'``).
        fmt (str): ``'auto'`` (see :func:`guess_text_format`), ``'pasta'``,
            ``'sentence'``, ``'synonym'``, ``'names'``, ``'purls'`` or
            ``'quoted'`` (``'rows'`` needs names: :func:`load_row_texts`).
            Defaults to ``'auto'``.
        **kwargs: Passed to the reader (``include_whole`` for pasta,
            ``split_sentences`` for sentence, ``kind`` for purls).

    Returns:
        ClassTextSource: ``{class name: [texts]}`` in file order.

    Raises:
        DataError: On a missing file or a malformed line (``file:line``).
        ConfigError: On an unknown ``fmt`` or named source.
    """
    from .text_sources import is_named_source, resolve_text_source
    if fmt == 'auto' and not kwargs and is_named_source(path):
        return resolve_text_source(path)
    if fmt == 'auto':
        fmt = guess_text_format(path)
    readers = dict(pasta=load_pasta_texts, sentence=load_sentence_texts,
                   synonym=load_synonym_texts, names=load_name_texts,
                   purls=load_purls_texts, quoted=load_quoted_texts)
    if fmt not in readers:
        raise ConfigError(f'unknown class text format "{fmt}", choose "auto" '
                          f'or one of {list(readers)}')
    return readers[fmt](path, **kwargs)


def merge_class_texts(sources: Sequence[TextSource]) -> ClassTextSource:
    """One source from several that describe different label sets.

    For a model trained on several datasets at once (each with its own
    description source): the merged source holds every class of every
    source, and a class named in several (case and spaces ignored) gets all
    their texts, in source order. ``class_text_sources`` entries that are
    lists are merged this way.

    Args:
        sources (list[str | dict]): Files, named sources or
            ``{name: [texts]}`` dicts.

    Returns:
        ClassTextSource: ``{class name: [texts]}``; the first spelling of a
        name is kept.
    """
    merged: Dict[str, List[str]] = {}
    spelling: Dict[str, str] = {}
    where = []
    for src in sources:
        src = load_class_texts(src) if isinstance(src, str) else src
        where.append(getattr(src, 'source', '') or 'dict')
        for name, texts in src.items():
            key = normalize_class_name(name)
            spelling.setdefault(key, name)
            merged.setdefault(key, []).extend(texts)
    return ClassTextSource({spelling[k]: v for k, v in merged.items()},
                           source=' + '.join(where))


# ------------------------------------------------------------------ expand
def expand_class_texts(
        class_names: Sequence[str],
        templates: Union[str, Sequence[str]] = ('{}', ),
        sources: Optional[Union[TextSource, Sequence[TextSource]]] = None,
        include_name: bool = True) -> List[List[str]]:
    """The texts to ensemble for each class.

    Per class, in this order: each template applied to the class name (when
    ``include_name``), then the texts of each source as they are (a
    description is a whole text, not a name to template). Exact repeats
    within a class are kept once.

    Class names are matched to a source's keys after normalising case and
    whitespace (``"Jump  Up"`` finds ``"jump up"``); nothing looser, so a
    source written for another label map fails loudly.

    Args:
        class_names (list[str]): ``L`` class names, index = label.
        templates (str | list[str]): A :data:`PROMPT_SETS` name or templates
            with one ``{}``. Defaults to ``('{}', )``.
        sources (dict | str | list, optional): ``{name: [texts]}`` (from
            :func:`load_class_texts`) or a text file to read with
            ``fmt='auto'``, or a list of them. Defaults to ``None``.
        include_name (bool): Add the templated names. Defaults to ``True``.

    Returns:
        list[list[str]]: ``L`` lists of texts.

    Raises:
        DataError: If a source lacks some classes (all are listed).
        ConfigError: If the templates are bad, or a class would get no text.
    """
    templates = get_prompt_templates(templates)
    if sources is None:
        sources = []
    elif isinstance(sources, (str, Mapping)):
        sources = [sources]
    # A path is read here, so a missing class is reported with its file; a
    # source read before (ClassTextSource) keeps its file too.
    names = [s if isinstance(s, str) else
             getattr(s, 'source', '') or f'class_text_sources[{i}]'
             for i, s in enumerate(sources)]
    sources = [load_class_texts(s) if isinstance(s, str) else s
               for s in sources]
    if not include_name and not sources:
        raise ConfigError('expand_class_texts: include_name=False and no '
                          'sources leaves every class without text')
    lookups = []
    for i, source in enumerate(sources):
        lookup = {normalize_class_name(k): list(v) for k, v in source.items()}
        missing = [n for n in class_names
                   if normalize_class_name(n) not in lookup]
        if missing:
            raise DataError(f'{names[i]}: no texts for classes {missing}')
        lookups.append(lookup)
    out: List[List[str]] = []
    for name in class_names:
        texts = [t.format(name) for t in templates] if include_name else []
        for lookup in lookups:
            texts.extend(lookup[normalize_class_name(name)])
        texts = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
        if not texts:
            raise ConfigError(f'class "{name}" has no text')
        out.append(texts)
    return out
