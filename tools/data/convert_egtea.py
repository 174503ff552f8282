"""Convert EGTEA Gaze+ action annotations to the EPIC-100 CSV layout the
anticipation datasets read (segments, class files and ``actions.csv``).

Example:
    python tools/data/convert_egtea.py data/egtea/action_annotation \
        --split 1 --out-dir data/egtea/anticipation
"""
import argparse
import dataclasses
import os

from vlalign.datasets.action_history import ActionVocab, readable_name
from vlalign.data_prep.converters.egtea import (EGTEA_FPS, load_egtea_names,
                                    load_egtea_split)
from vlalign.data_prep.writers import (write_epic_annotations,
                                       write_epic_classes)
from vlalign.utils.errors import DataError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_dir', help='EGTEA action_annotation folder')
    parser.add_argument('--split', type=int, default=1, choices=(1, 2, 3))
    parser.add_argument('--out-dir', required=True)
    args = parser.parse_args()
    verbs = load_egtea_names(os.path.join(args.ann_dir, 'verb_idx.txt'))
    nouns = load_egtea_names(os.path.join(args.ann_dir, 'noun_idx.txt'))
    action_names = load_egtea_names(
        os.path.join(args.ann_dir, 'action_idx.txt'))
    pairs = {}
    for name in ('train', 'test'):
        path = os.path.join(args.ann_dir, f'{name}_split{args.split}.txt')
        segments, actions = load_egtea_split(path)
        for seg, action in zip(segments, actions):
            pair = (seg.verb_class, seg.noun_class)
            if pairs.setdefault(action, pair) != pair:
                raise DataError(f'{path}: action {action + 1} is '
                                f'{pairs[action]} elsewhere, {pair} here')
        named = [dataclasses.replace(seg, verb=verbs[seg.verb_class],
                                     noun=nouns[seg.noun_class])
                 for seg in segments]
        out = os.path.join(args.out_dir, f'egtea_{name}_split{args.split}.csv')
        write_epic_annotations(out, named, fps=EGTEA_FPS)
        print(f'{path}: {len(named)} clips -> {out}')
    missing = sorted(set(range(len(action_names))) - set(pairs))
    if missing:
        raise DataError(f'actions {[m + 1 for m in missing][:5]} occur in no '
                        'split file')
    ActionVocab([pairs[i] for i in range(len(action_names))],
                action_names).save(os.path.join(args.out_dir, 'actions.csv'))
    # lower-case keys as EPIC's ("Open" -> "open", "fridge_drawer" ->
    # "fridge drawer"); EGTEA's names stay unique
    write_epic_classes(os.path.join(args.out_dir, 'verb_classes.csv'),
                       [readable_name(v).lower() for v in verbs])
    write_epic_classes(os.path.join(args.out_dir, 'noun_classes.csv'),
                       [readable_name(n).lower() for n in nouns])
    print(f'{len(verbs)} verbs, {len(nouns)} nouns, {len(action_names)} '
          f'actions -> {args.out_dir}')


if __name__ == '__main__':
    main()
