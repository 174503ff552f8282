"""Convert Penn Action's label ``.mat`` files to a PoseDataset pickle.

One annotation per video: 13 joints in pixels, score = visibility, splits
'train' and 'test' from the files' ``train`` field; see docs/data.md.

Example:
    python tools/data/convert_penn_action.py Penn_Action/labels \\
        data/penn_action/penn_action.pkl
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

# Runnable from a checkout without installing vlalign.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` if ``argv`` is None)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        epilog='Exit status 1 on malformed input.')
    parser.add_argument('labels_dir', help="Penn Action's labels/ folder "
                        '(0001.mat ... 2326.mat)')
    parser.add_argument('out', help='output pickle (.pkl)')
    parser.add_argument('--class-file', help='also write the 15 class names, '
                        'one per line (line index = label), to this file')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    from vlalign.data_prep.converters import (PENN_ACTION_CLASSES,
                                             PENN_ACTION_JOINTS,
                                             build_pose_pickle,
                                             convert_penn_action)
    from vlalign.utils.errors import DataError
    try:
        result = convert_penn_action(args.labels_dir, progress=True)
        build_pose_pickle(result.annotations, result.splits, args.out,
                          num_classes=len(PENN_ACTION_CLASSES),
                          extra=dict(joints=list(PENN_ACTION_JOINTS)))
        if args.class_file:
            with open(args.class_file, 'w', encoding='utf-8') as f:
                f.write('\n'.join(PENN_ACTION_CLASSES) + '\n')
    except (DataError, OSError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    splits = ' '.join(f'{k}={len(v)}' for k, v in result.splits.items())
    print(f'\nWrote {args.out}: {len(result.annotations)} samples ({splits})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
