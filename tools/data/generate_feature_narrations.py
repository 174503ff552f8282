"""Generate synthetic video features + narrations for the FeatureCLIP demo.

Example:
    python tools/data/generate_feature_narrations.py \
        --out-dir data/feature_narrations_demo --seed 0
"""
import argparse
import time

from vlalign.data_prep.demo.feature_narrations import \
    generate_feature_narrations


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='data/feature_narrations_demo',
                        help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--train-videos', type=int, default=64)
    parser.add_argument('--val-videos', type=int, default=8)
    parser.add_argument('--feature-dim', type=int, default=32,
                        help='D of the video features')
    parser.add_argument('--text-dim', type=int, default=24,
                        help='C of the narration embeddings')
    parser.add_argument('--segments-per-video', type=int, default=6)
    parser.add_argument('--narrations-per-segment', type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    out = generate_feature_narrations(
        args.out_dir, num_train_videos=args.train_videos,
        num_val_videos=args.val_videos, feature_dim=args.feature_dim,
        text_dim=args.text_dim, segments_per_video=args.segments_per_video,
        narrations_per_segment=args.narrations_per_segment, seed=args.seed)
    print(f"Wrote {out['feature_file']} ({args.train_videos} train + "
          f"{args.val_videos} val videos, {args.feature_dim}-d), narration "
          f"embeddings {out['train_narrations']}.npy / "
          f"{out['val_narrations']}.npy ({args.text_dim}-d) and zero-shot "
          f"annotations {out['classification']} in "
          f'{time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
