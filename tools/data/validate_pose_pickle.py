"""Check a PoseDataset pickle and list every problem it has.

Checks each annotation (keys, keypoint shape and values, scores, frame count,
label range), the annotations together (duplicate names, one joint and one
channel count) and the splits, by the schema PoseTextDataset applies
(vlalign/datasets/pose_schema.py). Prints every problem and exits with status
1 if there is any; otherwise prints a summary and exits 0.

Example:
    python tools/data/validate_pose_pickle.py data/penn_action/penn_action.pkl \\
        --class-file data/penn_action/classes.txt
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
        epilog=__doc__.split('\n\n')[1])
    parser.add_argument('pkl', help='the PoseDataset pickle')
    parser.add_argument('--class-file',
                        help='label file (one class name per line); labels '
                        'must be below its number of names')
    return parser.parse_args(argv)


def _span(values: List[int]) -> str:
    """``'13'`` or ``'1-2'`` for a sorted list of distinct values."""
    return str(values[0]) if len(values) == 1 else f'{values[0]}-{values[-1]}'


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    from vlalign.data_prep.validation import check_pose_file
    problems, summary = check_pose_file(args.pkl, args.class_file)
    if problems:
        for problem in problems:
            print(problem)
        noun = 'problem' if len(problems) == 1 else 'problems'
        print(f'{len(problems)} {noun} found in {args.pkl}', file=sys.stderr)
        return 1
    labels = summary['labels']
    classes = (f"{summary['num_classes']} classes in the label file, "
               f'{len(labels)} used' if summary['num_classes'] is not None else
               f'{len(labels)} distinct labels (max {labels[-1]})')
    splits = ' '.join(f'{k}={v}' for k, v in summary['splits'].items()) or 'none'
    print(f"{args.pkl}: OK, {summary['samples']} samples; {classes}; "
          f"joints {_span(summary['joints'])}; "
          f"persons {_span(summary['persons'])}; "
          f"frames {summary['frames'][0]}-{summary['frames'][1]}; "
          f'splits: {splits}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
