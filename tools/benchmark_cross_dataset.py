"""Cross-dataset zero-shot benchmark: leave one dataset out.

    python tools/benchmark_cross_dataset.py \\
        configs/cross_dataset/visece_stgcnpp-minilm_1xb32-u32-300i_kinect-v1-3ds-joint3d.py \\
        --seeds 0 1 2 [--texts names descriptions] [--held-out utkinect ...] \\
        [--work-dir DIR] [--out results.json] [--cfg-options k=v ...]

For each dataset of the recipe's ``cross_datasets`` (NW-UCLA, UTKinect,
MSRC-12 in the shipped recipe) and seed: train on the other datasets (their
training splits, last checkpoint), test on every sample of the held-out one
over its full label list, names only and names + descriptions. Prints
top-1 / top-5 / mean class accuracy, mean +- std over the seeds, beside
chance. Protocol: vlalign/apis/cross_dataset.py, configs/cross_dataset/
README.md. A rerun with the same --work-dir reuses finished trainings and
resumes an interrupted one. Runs on CPU.
"""
import argparse
import os.path as osp
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a multi-dataset recipe with '
                        'cross_datasets')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='training seeds (default: 0 1 2)')
    parser.add_argument('--texts', nargs='+', default=['names', 'descriptions'],
                        choices=['names', 'descriptions'],
                        help='class texts: names only, names + descriptions '
                        '(default: both)')
    parser.add_argument('--held-out', nargs='+', metavar='NAME',
                        help='datasets to hold out, one at a time (default: '
                        'each of cross_datasets)')
    parser.add_argument('--work-dir', help='default: work_dirs/cross_dataset_'
                        '<config stem>')
    parser.add_argument('--out', help='JSON file (default: '
                        '<work-dir>/cross_dataset_benchmark.json)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides merged into the config')
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config file "{args.config}" does not exist')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    import vlalign  # noqa: F401
    from vlalign.apis.cross_dataset import (format_cross_dataset_table,
                                            run_cross_dataset_benchmark)
    from vlalign.apis.zero_shot import write_json_atomic
    from vlalign.utils.errors import VlalignError

    stem = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join('work_dirs', f'cross_dataset_{stem}')
    start = time.time()
    try:
        result = run_cross_dataset_benchmark(
            args.config, args.seeds, work_dir, held_out=args.held_out,
            texts=args.texts, cfg_options=args.cfg_options,
            log=lambda m: print(f'benchmark_cross_dataset: {m}', flush=True))
    except VlalignError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    result['minutes'] = (time.time() - start) / 60
    out = args.out or osp.join(work_dir, 'cross_dataset_benchmark.json')
    write_json_atomic(out, result)
    print(f'{osp.basename(args.config)}: leave one dataset out, seeds '
          f'{args.seeds}, {result["minutes"]:.1f} min; all samples of the '
          'held-out dataset, its full label list')
    print(format_cross_dataset_table(result['summary'], args.texts))
    print(f'results written to {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
