"""Zero-shot benchmark: train on the seen classes of seeded class splits,
report ZSL and GZSL (uncalibrated and calibrated) as mean +- std over seeds.

    python tools/benchmark_zeroshot.py CONFIG --num-unseen 3 --seeds 0 1 2 \\
        [--num-heldout 1] [--work-dir DIR] [--out results.json] \\
        [--cfg-options train_cfg.max_epochs=10]

The protocol is in vlalign/apis/zero_shot_benchmark.py (calibration on
held-out seen classes, never on unseen or test data). Runs on CPU.
"""
import argparse
import os.path as osp
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config trained on the seen classes')
    parser.add_argument('--num-unseen', type=int, required=True,
                        help='unseen classes per split')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='one class split and training seed each')
    parser.add_argument('--num-heldout', type=int,
                        help='seen classes held out to choose the calibration '
                        'constant (default: 20%% of the seen classes, >= 1)')
    parser.add_argument('--val-fraction', type=float, default=0.2,
                        help='training samples held out for validation and '
                        'calibration')
    parser.add_argument('--work-dir', help='default: work_dirs/zeroshot_'
                        '<config stem>')
    parser.add_argument('--out', help='JSON file (default: '
                        '<work-dir>/zeroshot_benchmark.json)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides merged into the config')
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        parser.error(f'config file "{args.config}" does not exist')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    import vlalign  # noqa: F401
    from vlalign.apis.zero_shot import write_json_atomic
    from vlalign.apis.zero_shot_benchmark import (format_summary,
                                                  run_zero_shot_benchmark)
    from vlalign.utils.errors import VlalignError

    work_dir = args.work_dir or osp.join(
        'work_dirs', 'zeroshot_' + osp.splitext(osp.basename(args.config))[0])
    start = time.time()
    try:
        result = run_zero_shot_benchmark(
            args.config, args.num_unseen, args.seeds, work_dir,
            num_heldout=args.num_heldout, val_fraction=args.val_fraction,
            cfg_options=args.cfg_options,
            log=lambda m: print(f'benchmark_zeroshot: {m}', flush=True))
    except VlalignError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    result['minutes'] = (time.time() - start) / 60
    out = args.out or osp.join(work_dir, 'zeroshot_benchmark.json')
    write_json_atomic(out, result)
    title = (f'{osp.basename(args.config)}: {result["num_classes"]} classes, '
             f'{args.num_unseen} unseen, {result["num_heldout"]} held out '
             f'for calibration, {result["minutes"]:.1f} min')
    print(format_summary(result['summary'], result['runs'], title))
    print(f'results written to {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
