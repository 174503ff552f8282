"""Generate the synthetic anticipation demo data (EPIC-KITCHENS-100 CSVs +
features) used by ``configs/anticipation/*_demo-*.py``.

Example:
    python tools/data/generate_anticipation_demo.py --out-dir data/anticipation_demo
"""
import argparse
import time

from vlalign.data_prep.demo.anticipation import generate_anticipation_demo


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='data/anticipation_demo',
                        help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--train-videos', type=int, default=24)
    parser.add_argument('--val-videos', type=int, default=8)
    parser.add_argument('--feature-dim', type=int, default=32)
    parser.add_argument('--feature-format', choices=('h5', 'npy'),
                        default='h5', help='HDF5 store or .npy folder')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    out = generate_anticipation_demo(
        args.out_dir, num_train_videos=args.train_videos,
        num_val_videos=args.val_videos, feature_dim=args.feature_dim,
        feature_format=args.feature_format, seed=args.seed)
    print(f"Wrote {args.out_dir}: {out['num_train']} train / {out['num_val']} "
          f"val segments in {out['num_videos']} videos, "
          f"{out['num_actions']} actions, {out['feature_dim']}-d features "
          f"({out['features']}) in {time.perf_counter() - start:.1f}s")


if __name__ == '__main__':
    main()
