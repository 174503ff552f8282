"""Convert NTU RGB+D ``.skeleton`` files to a PoseDataset pickle.

Keeps the 2D colour-frame joints (1920x1080 pixels) as ``keypoint`` and the
3D camera-space joints as ``keypoint_3d``; see docs/data.md for the
conventions (score of each tracking state, which bodies are kept).

Example:
    python tools/data/convert_ntu_skeleton.py nturgb+d_skeletons/ \\
        data/skeleton/ntu60_colour2d.pkl --protocol xsub
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
        epilog='Files without any body (NTU ships ~300) are skipped and '
        'counted. Exit status 1 on malformed input.')
    parser.add_argument('src_dir', help='folder of SsssCcccPpppRrrrAaaa.skeleton '
                        'files (not searched recursively)')
    parser.add_argument('out', help='output pickle (.pkl)')
    parser.add_argument('--protocol', choices=('xsub', 'xview', 'all'),
                        default='all',
                        help='splits to write, as <protocol>_train and '
                        '<protocol>_val (default: all, i.e. xsub and xview)')
    parser.add_argument('--max-persons', type=int, default=2,
                        help='bodies kept per sample, person axis padded to '
                        'it (default: 2)')
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
                                              convert_ntu_skeletons,
                                              joint_names_extra,
                                              joint_order_from_args)
    from vlalign.utils.errors import ConfigError, DataError
    try:
        order = joint_order_from_args(args)
        protocols = (('xsub', 'xview') if args.protocol == 'all' else
                     (args.protocol, ))
        result = convert_ntu_skeletons(args.src_dir, args.max_persons,
                                       protocols, progress=True)
        result = apply_joint_order(result, order)
        build_pose_pickle(result.annotations, result.splits, args.out,
                          extra=joint_names_extra(order))
    except (ConfigError, DataError, OSError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    splits = ' '.join(f'{k}={len(v)}' for k, v in result.splits.items())
    print(f'\nWrote {args.out}: {len(result.annotations)} samples ({splits}), '
          f'{len(result.skipped)} files without bodies skipped')
    for reason in result.skipped[:5]:
        print(f'  skipped {reason}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
