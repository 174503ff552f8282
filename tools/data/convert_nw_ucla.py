"""Convert Northwestern-UCLA json skeletons to a PoseDataset pickle.

Keeps the 3D joints (metres) as ``keypoint_3d`` and projects them to 640x480
pixels with an assumed pinhole camera (f=525); cross-view splits
'xview_train' (views 1, 2) and 'xview_test' (view 3); see docs/data.md.

Example:
    python tools/data/convert_nw_ucla.py NW-UCLA/all_sqe data/nw_ucla/nw_ucla.pkl
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
    parser.add_argument('json_dir', help='folder of aAA_sSS_eEE_vVV.json '
                        'files (e.g. all_sqe/)')
    parser.add_argument('out', help='output pickle (.pkl)')
    parser.add_argument('--class-file', help='also write the 10 class names, '
                        'one per line (line index = label), to this file')
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
    from vlalign.data_prep.converters import (NW_UCLA_CLASSES,
                                              apply_joint_order,
                                              build_pose_pickle,
                                              convert_nw_ucla,
                                              joint_names_extra,
                                              joint_order_from_args)
    from vlalign.utils.errors import ConfigError, DataError
    try:
        order = joint_order_from_args(args)
        result = convert_nw_ucla(args.json_dir, progress=True)
        result = apply_joint_order(result, order)
        build_pose_pickle(result.annotations, result.splits, args.out,
                          num_classes=len(NW_UCLA_CLASSES),
                          extra=joint_names_extra(order))
        if args.class_file:
            with open(args.class_file, 'w', encoding='utf-8') as f:
                f.write('\n'.join(NW_UCLA_CLASSES) + '\n')
    except (ConfigError, DataError, OSError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    splits = ' '.join(f'{k}={len(v)}' for k, v in result.splits.items())
    print(f'\nWrote {args.out}: {len(result.annotations)} samples ({splits})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
