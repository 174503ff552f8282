"""Generate synthetic per-frame features in the MS-TCN layout (for the
semantic TCN aligner demo and tests).

Example:
    python tools/data/generate_segmentation_demo.py --out-dir data/semantic_tcn_demo
"""
import argparse
import time

from vlalign.data_prep.demo.segmentation_features import (
    DEFAULT_NUM_VIDEOS, generate_segmentation_dataset)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='data/semantic_tcn_demo',
                        help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--feat-dim', type=int, default=64,
                        help='feature width D')
    parser.add_argument('--noise', type=float, default=5.0,
                        help='std of the per-frame feature noise')
    for split, num in DEFAULT_NUM_VIDEOS.items():
        parser.add_argument(f'--num-{split}', type=int, default=num,
                            help=f'{split} videos')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    summary = generate_segmentation_dataset(
        args.out_dir,
        num_videos={s: getattr(args, f'num_{s}') for s in DEFAULT_NUM_VIDEOS},
        feat_dim=args.feat_dim, noise=args.noise, seed=args.seed)
    counts = ' '.join(f'{k}={v} videos/{summary["num_frames"][k]} frames'
                      for k, v in summary['num_videos'].items())
    print(f'Wrote {args.out_dir}: {len(summary["classes"])} labels, {counts} '
          f'in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
