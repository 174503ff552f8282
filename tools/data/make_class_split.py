"""Draw a seeded zero-shot class split of a label file.

Writes ``seen.txt`` and ``unseen.txt`` (label files, usable as a dataset's
``class_subset``) into OUT_DIR; with ``--num-heldout K`` also
``train_seen.txt`` and ``heldout.txt``: K seen classes held out to choose
the GZSL calibration constant without looking at unseen classes.

Example::

    python tools/data/make_class_split.py \\
        vlalign/classes/data/labels/ntu60.txt data/splits/ntu60_55-5_s0 \\
        --num-unseen 5 --seed 0 --num-heldout 5
"""
import argparse
import os
import sys
from typing import Optional, Sequence

from vlalign.classes.class_splits import (heldout_calibration_split,
                                           random_class_split,
                                           save_class_names, save_class_split)
from vlalign.utils.cli import non_negative_int, positive_int
from vlalign.utils.errors import VlalignError
from vlalign.utils.launch import check_output_path


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('class_file', help='label file, one class name a line')
    parser.add_argument('out_dir', help='folder for seen.txt / unseen.txt')
    parser.add_argument('--num-unseen', type=positive_int, required=True,
                        help='number of unseen classes')
    parser.add_argument('--seed', type=non_negative_int, required=True,
                        help='seed (>= 0)')
    parser.add_argument('--num-heldout', type=positive_int, default=None,
                        help='seen classes held out for calibration '
                        '(writes train_seen.txt and heldout.txt)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        check_output_path(args.out_dir, 'out_dir', is_dir=True)
        split = random_class_split(args.class_file, args.num_unseen, args.seed)
        if args.num_heldout:
            num_seen = len(split.seen)
            if not args.num_heldout < num_seen:
                # Not left to heldout_calibration_split: its message would
                # not say which option, nor that only seen classes count.
                raise VlalignError(
                    f'--num-heldout must be in [1, {num_seen - 1}]: '
                    f'{args.class_file} leaves {num_seen} seen classes with '
                    f'--num-unseen {args.num_unseen}, got {args.num_heldout}')
            train_seen, heldout = heldout_calibration_split(
                split.seen, args.num_heldout, args.seed)
    except VlalignError as err:
        # A bad label file or count is the user's input: say so, no traceback.
        print(f'error: {err}', file=sys.stderr)
        return 2
    paths = save_class_split(split, args.out_dir)
    print(f'seen ({len(split.seen)}) -> {paths["seen"]}')
    print('  ' + '\n  '.join(split.seen))
    print(f'unseen ({len(split.unseen)}) -> {paths["unseen"]}')
    print('  ' + '\n  '.join(split.unseen))
    if args.num_heldout:
        p_train = save_class_names(
            os.path.join(args.out_dir, 'train_seen.txt'), train_seen)
        p_held = save_class_names(
            os.path.join(args.out_dir, 'heldout.txt'), heldout)
        print(f'train_seen ({len(train_seen)}) -> {p_train}')
        print('  ' + '\n  '.join(train_seen))
        print(f'heldout ({len(heldout)}) -> {p_held}')
        print('  ' + '\n  '.join(heldout))
    return 0


if __name__ == '__main__':
    sys.exit(main())
