"""Build ``actions.csv`` (``id,verb,noun,action``): the action classes are the
(verb, noun) pairs of the training segments, as in EPIC-KITCHENS-100.

Example:
    python tools/data/build_action_map.py data/epic100/EPIC_100_train.csv \
        --verb-classes data/epic100/EPIC_100_verb_classes.csv \
        --noun-classes data/epic100/EPIC_100_noun_classes.csv \
        --out data/epic100/actions.csv
"""
import argparse

from vlalign.datasets.action_history import ActionVocab
from vlalign.datasets.epic_kitchens import (load_epic_annotations,
                                            load_epic_classes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('train_csv', help='training segment CSV (EPIC-100)')
    parser.add_argument('--verb-classes', help='verb class CSV (for names)')
    parser.add_argument('--noun-classes', help='noun class CSV (for names)')
    parser.add_argument('--out', required=True, help='output actions.csv')
    args = parser.parse_args()
    segments = load_epic_annotations(args.train_csv)
    verbs = load_epic_classes(args.verb_classes) if args.verb_classes else None
    nouns = load_epic_classes(args.noun_classes) if args.noun_classes else None
    vocab = ActionVocab.from_segments(segments, verbs, nouns)
    vocab.save(args.out)
    print(f'{len(vocab)} actions from {len(segments)} segments -> {args.out} '
          f'(set num_actions={len(vocab)} in the model config)')


if __name__ == '__main__':
    main()
