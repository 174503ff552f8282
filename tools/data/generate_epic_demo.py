"""Generate EPIC-KITCHENS-100 style demo data: the published annotation CSVs
and per-video features, with learnable verbs and nouns.

Example:
    python tools/data/generate_epic_demo.py --out-dir data/epic_demo
    python tools/data/generate_epic_demo.py --out-dir /tmp/epic97 \
        --num-verbs 97 --num-nouns 300 --feature-format hdf5
"""
import argparse
import json
import time

from vlalign.data_prep.demo.epic_features import generate_epic_demo


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='data/epic_demo',
                        help='output folder')
    parser.add_argument('--num-verbs', type=int, default=8,
                        help='verb classes (EPIC-100: 97)')
    parser.add_argument('--num-nouns', type=int, default=10,
                        help='noun classes (EPIC-100: 300)')
    parser.add_argument('--train-participants', type=int, default=3)
    parser.add_argument('--val-participants', type=int, default=1,
                        help='participants only in validation')
    parser.add_argument('--videos-per-participant', type=int, default=2)
    parser.add_argument('--segments-per-video', type=int, default=20)
    parser.add_argument('--feature-dim', type=int, default=32)
    parser.add_argument('--feature-fps', type=float, default=10.0,
                        help='feature rows per second of video')
    parser.add_argument('--feature-format', choices=('npy', 'hdf5'),
                        default='npy',
                        help='features/<video_id>.npy or features.h5')
    parser.add_argument('--noise', type=float, default=0.35,
                        help='per-dimension noise (verb motions: norm 1)')
    parser.add_argument('--noun-strength', type=float, default=0.6,
                        help='norm of the noun appearance vectors')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    summary = generate_epic_demo(
        args.out_dir, num_verbs=args.num_verbs, num_nouns=args.num_nouns,
        train_participants=args.train_participants,
        val_participants=args.val_participants,
        videos_per_participant=args.videos_per_participant,
        segments_per_video=args.segments_per_video,
        feature_dim=args.feature_dim, feature_fps=args.feature_fps,
        feature_format=args.feature_format, noise=args.noise,
        noun_strength=args.noun_strength, seed=args.seed)
    print(json.dumps(summary, indent=1))
    print(f"Wrote {summary['num_train']} train and {summary['num_val']} "
          f"validation segments ({summary['num_verbs']} verbs, "
          f"{summary['num_nouns']} nouns) to {args.out_dir} in "
          f'{time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
