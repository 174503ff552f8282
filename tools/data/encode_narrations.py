"""Encode Ego4D-style narrations (or class prompts) with a sentence-embedding
model into ONE array file plus metadata (``<out>.npy`` + ``<out>.json``).

Narrations are read from ``narration_pass_1`` / ``narration_pass_2``
(``timestamp_sec``, ``narration_text``); tagged tokens are rewritten
(``#C`` -> "Camera wearer", ``#O`` -> "Other person", ``#unsure`` ->
"something") before encoding. The whole input is checked before anything is
encoded, and the outputs are written atomically: a bad file leaves nothing
behind.

Examples:
    # narrations -> data/ego4d/narrations_minilm.{npy,json}
    python tools/data/encode_narrations.py narration.json \
        data/ego4d/narrations_minilm --model all-MiniLM-L6-v2
    # class prompts for zero-shot evaluation (mean over the prompts); the
    # original experiments: Kinetics labels with the default prompt below,
    # Charades-Ego labels as they are (--prompt '{label}')
    python tools/data/encode_narrations.py --classes classes.txt \
        data/charades_ego/classes_minilm --prompt '{label}'
"""
import argparse
import json
import sys
import time
from typing import Any, Dict, List, Optional

import numpy as np

from vlalign.classes.text_encoding import encode_texts
from vlalign.data_prep.writers import write_text_embeddings
from vlalign.datasets.narrations import NARRATION_PASSES, read_narrations
from vlalign.utils.errors import ConfigError, DataError

DEFAULT_PROMPT = 'The person in this video is doing {label}'


def build_encoder(args: argparse.Namespace) -> Any:
    """A mean-pooled sentence encoder (sentence-transformers' pooling)."""
    if args.backend == 'sentence-transformers':
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ImportError('--backend sentence-transformers needs '
                              '`pip install sentence-transformers`') from e
        from vlalign.models.text_encoders.bert import resolve_text_model
        return SentenceTransformer(resolve_text_model(args.model),
                                   device=args.device)
    from vlalign.models.text_encoders import BertTextEncoder
    if args.random_config:  # tests: a tiny random BERT, no weights
        enc = BertTextEncoder(config=json.loads(args.random_config),
                              pooling='mean', max_length=args.max_length,
                              frozen=True)
    else:
        enc = BertTextEncoder(pretrained=args.model, pooling='mean',
                              max_length=args.max_length, frozen=True)
    return enc.to(args.device)


def read_classes(path: str) -> List[str]:
    try:
        with open(path) as f:
            names = [line.strip() for line in f if line.strip()]
    except OSError as e:
        raise DataError(f'{path}: cannot read class file ({e})') from e
    if not names:
        raise DataError(f'{path}: no class name')
    return names


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('narrations', nargs='?',
                        help='Ego4D-style narration JSON')
    parser.add_argument('out', help='output prefix (<out>.npy, <out>.json)')
    parser.add_argument('--classes', help='encode the class names of this '
                        'file (one per line) with --prompt instead')
    parser.add_argument('--prompt', action='append',
                        help='class prompt with "{label}" (repeatable: the '
                        f'mean is taken); default "{DEFAULT_PROMPT}"')
    parser.add_argument('--model', default='all-MiniLM-L6-v2',
                        help='sentence-transformers model name or local '
                        'path (all-MiniLM-L6-v2 resolves offline)')
    parser.add_argument('--backend', default='transformers',
                        choices=('transformers', 'sentence-transformers'))
    parser.add_argument('--random-config', help=argparse.SUPPRESS)
    parser.add_argument('--passes', nargs='+', default=list(NARRATION_PASSES))
    parser.add_argument('--video-list', help='file of video uids to keep')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--max-length', type=int, default=64)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--dtype', default='float32',
                        choices=('float32', 'float16'))
    parser.add_argument('--no-normalize', action='store_true',
                        help='keep the raw (not L2-normalised) embeddings')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    if (args.narrations is None) == (args.classes is None):
        parser.error('give a narration JSON or --classes FILE (not both)')
    return args


def run(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    # Read and check everything first: a bad input writes nothing.
    if args.classes:
        names = read_classes(args.classes)
        prompts = args.prompt or [DEFAULT_PROMPT]
        for p in prompts:
            if '{label}' not in p:
                raise DataError(f'prompt "{p}" has no "{{label}}"')
        meta: List[Dict[str, Any]] = [
            dict(label=n, text=[p.format(label=n) for p in prompts])
            for n in names]
        texts = [t for m in meta for t in m['text']]
        source = args.classes
    else:
        uids = None
        if args.video_list:
            with open(args.video_list) as f:
                uids = [line.strip() for line in f if line.strip()]
        meta = read_narrations(args.narrations, passes=args.passes,
                               video_uids=uids)
        if not meta:
            raise DataError(f'{args.narrations}: no narration to encode')
        texts = [m['text'] for m in meta]
        source = args.narrations
    encoder = build_encoder(args)
    emb = encode_texts(texts, encoder, batch_size=args.batch_size,
                       normalize=not args.no_normalize,
                       progress=not args.no_progress)
    if args.classes:  # mean over the prompts of each class
        emb = emb.reshape(len(meta), -1, emb.shape[-1]).mean(1)
        if not args.no_normalize:
            emb /= np.linalg.norm(emb, axis=-1, keepdims=True)
    paths = write_text_embeddings(
        args.out, emb, meta, dtype=args.dtype,
        info=dict(source=source, model=args.model if not args.random_config
                  else 'random', normalized=not args.no_normalize))
    print(f'Wrote {paths["array"]} {tuple(emb.shape)} and {paths["meta"]} '
          f'({len(texts)} texts) in {time.perf_counter() - start:.1f}s')


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status (1 on bad input, nothing
    written)."""
    args = parse_args(argv)
    try:
        run(args)
    except (DataError, ConfigError, OSError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
