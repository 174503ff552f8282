"""Convert per-sequence ``.npy`` poses and a label list to a PoseDataset pickle.

Arrays: NAME.npy of shape [T, V, 2|3] or [M, T, V, 2|3] (x, y pixels, optional
score). Label list (.csv or .txt): one ``NAME,LABEL[,SPLIT]`` per line
(commas, tabs or spaces; an optional header line); see docs/data.md.

Example:
    python tools/data/convert_numpy.py poses/ labels.csv data/my_poses.pkl \\
        --img-shape 1080 1920
    # Kinect v1 joints stored in another order, written in kinect_v1_20's:
    python tools/data/convert_numpy.py poses/ labels.csv data/my_poses.pkl \\
        --joint-names joint_names.txt --target-layout kinect_v1_20
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
        epilog=__doc__.split('\n\n')[1] + ' Exit status 1 on malformed input.')
    parser.add_argument('npy_dir', help='folder of NAME.npy arrays')
    parser.add_argument('labels', help='label list: NAME,LABEL[,SPLIT] lines')
    parser.add_argument('out', help='output pickle (.pkl)')
    parser.add_argument('--img-shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='frame size of every sequence (default: the '
                        "extent of each sequence's keypoints)")
    parser.add_argument('--num-classes', type=int,
                        help='reject labels >= this number')
    # Joint order (docs/data.md): checked by joint_order_from_args.
    parser.add_argument('--joint-names', metavar='FILE_OR_LIST',
                        help="the source joints' names in their order: a file "
                        '(one a line) or a comma-separated list; with '
                        '--target-layout')
    parser.add_argument('--target-layout', metavar='NAME',
                        help='write keypoint, keypoint_score and keypoint_3d '
                        "in the joint order of this layout of "
                        'vlalign.structures.LAYOUTS, e.g. kinect_v1_20')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    from vlalign.data_prep.converters import (apply_joint_order,
                                              build_pose_pickle,
                                              convert_numpy_sequences,
                                              joint_names_extra,
                                              joint_order_from_args)
    from vlalign.utils.errors import ConfigError, DataError
    try:
        order = joint_order_from_args(args)
        result = convert_numpy_sequences(args.npy_dir, args.labels,
                                         img_shape=args.img_shape,
                                         progress=True)
        result = apply_joint_order(result, order)
        build_pose_pickle(result.annotations, result.splits, args.out,
                          num_classes=args.num_classes,
                          extra=joint_names_extra(order))
    except (ConfigError, DataError, OSError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    splits = ' '.join(f'{k}={len(v)}' for k, v in result.splits.items())
    print(f'\nWrote {args.out}: {len(result.annotations)} samples'
          + (f' ({splits})' if splits else ' (no splits)'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
