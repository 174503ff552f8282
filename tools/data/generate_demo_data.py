"""Generate the embedded synthetic skeleton dataset for the zero-shot demo.

Example:
    python tools/data/generate_demo_data.py --out-dir data/demo --seed 0
"""
import argparse
import time

from vlalign.data_prep.demo import DEFAULT_SAMPLES_PER_CLASS, generate_demo_dataset


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='data/demo', help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    for split in ('train', 'val', 'test'):
        parser.add_argument(
            f'--{split}-per-class', type=int,
            default=DEFAULT_SAMPLES_PER_CLASS[split],
            help=f'{split} samples per class (seen and unseen classes)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    summary = generate_demo_dataset(
        args.out_dir,
        samples_per_class={'train': args.train_per_class,
                           'val': args.val_per_class,
                           'test': args.test_per_class},
        seed=args.seed)
    counts = ' '.join(f'{k}={v}' for k, v in summary['num_samples'].items())
    print(f"Wrote {summary['ann_file']}: {summary['num_classes']} classes "
          f"({summary['num_seen']} seen, {summary['num_unseen']} unseen), "
          f'{counts} samples in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
