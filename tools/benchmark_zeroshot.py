"""Zero-shot benchmark: ZSL and GZSL (uncalibrated and calibrated) on a
published protocol or on seeded random splits, mean +- std over seeds.

    python tools/benchmark_zeroshot.py CONFIG --protocol nw-ucla_purls_5-5 \\
        --seeds 0 1 2                          # a shipped (or any) protocol
    python tools/benchmark_zeroshot.py CONFIG --num-unseen 3 --seeds 0 1 2
                                               # the seed draws the split
    python tools/benchmark_zeroshot.py --list-protocols

Options: [--scheme full|heldout|both] [--num-heldout K] [--val-fraction F]
[--calibration-only] [--work-dir DIR] [--out results.json]
[--cfg-options train_cfg.max_epochs=10]

The ZSL model trains on every seen class; the calibration constant comes
from a separate calibration training with some seen classes held out
(val.txt, or a seeded subset), never from unseen classes or test data.
Protocol: vlalign/apis/zero_shot_benchmark.py, docs/zero_shot.md.
A rerun with the same --work-dir reuses finished trainings and resumes an
interrupted one. Runs on CPU.
"""
import argparse
import os.path as osp
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction

    from vlalign.utils.cli import fraction
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', nargs='?', help='the recipe (trained on '
                        'the seen classes of each seed)')
    which = parser.add_mutually_exclusive_group()
    which.add_argument('--protocol', metavar='NAME|DIR',
                       help='a shipped protocol (see --list-protocols) or a '
                       'folder with seen.txt, unseen.txt [, val.txt, '
                       'protocol.json]; the seeds change only the training')
    which.add_argument('--num-unseen', type=int, metavar='N',
                       help='seeded random splits with N unseen classes; '
                       'the seed draws the split')
    which.add_argument('--list-protocols', action='store_true',
                       help='list the shipped protocols and exit')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='training seeds (default: 0 1 2)')
    parser.add_argument('--scheme', choices=['full', 'heldout', 'both'],
                        default='full',
                        help='full: the ZSL model trains on every seen class '
                        '(default); heldout: the earlier benchmark, which '
                        'tests the calibration model itself; both: report '
                        'the two')
    parser.add_argument('--num-heldout', type=int, metavar='K',
                        help='seen classes the calibration training holds '
                        'out, for protocols without val.txt (default: the '
                        'protocol\'s unseen fraction of the seen classes)')
    parser.add_argument('--val-fraction', type=fraction(low_open=True),
                        default=0.2,
                        help='share of each seen class\'s training samples '
                        'the calibration model does not train on and '
                        'calibrates on (default 0.2)')
    parser.add_argument('--calibration-only', action='store_true',
                        help='only train the calibration models and write '
                        'their calibration.json (for tools/zeroshot.py '
                        '--calibrate-on with a checkpoint trained elsewhere)')
    parser.add_argument('--work-dir', help='default: work_dirs/zeroshot_'
                        '<config stem>_<protocol>')
    parser.add_argument('--out', help='JSON file (default: '
                        '<work-dir>/zeroshot_benchmark.json)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides merged into the config')
    args = parser.parse_args(argv)
    if args.list_protocols:
        return args
    if args.config is None:
        parser.error('the config is required (or give --list-protocols)')
    if args.protocol is None and args.num_unseen is None:
        parser.error('give --protocol NAME|DIR or --num-unseen N')
    if not osp.isfile(args.config):
        parser.error(f'config file "{args.config}" does not exist')
    return args


def list_protocols_table() -> str:
    from vlalign.classes import list_protocols, load_protocol
    lines = [f'{"protocol":<22}{"seen":>5}{"unseen":>7}{"val":>5}  '
             'dataset; paper']
    for name in list_protocols():
        p = load_protocol(name)
        val = len(p.val) if p.val else '-'
        paper = p.meta.get('paper', '').split(',')[0]
        lines.append(f'{name:<22}{len(p.seen):>5}{len(p.unseen):>7}{val:>5}  '
                     f'{p.dataset}; {paper} ({p.test_split})')
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    import vlalign  # noqa: F401
    if args.list_protocols:
        print(list_protocols_table())
        return 0
    from vlalign.apis.zero_shot import write_json_atomic
    from vlalign.apis.zero_shot_benchmark import (format_summary,
                                                  run_zero_shot_benchmark)
    from vlalign.utils.errors import VlalignError

    tag = (osp.basename(osp.normpath(args.protocol)) if args.protocol
           else f'random-{args.num_unseen}')
    work_dir = args.work_dir or osp.join(
        'work_dirs',
        f'zeroshot_{osp.splitext(osp.basename(args.config))[0]}_{tag}')
    start = time.time()
    try:
        result = run_zero_shot_benchmark(
            args.config, args.seeds, work_dir, protocol=args.protocol,
            num_unseen=args.num_unseen, num_heldout=args.num_heldout,
            scheme=args.scheme, calibration_only=args.calibration_only,
            val_fraction=args.val_fraction, cfg_options=args.cfg_options,
            log=lambda m: print(f'benchmark_zeroshot: {m}', flush=True))
    except VlalignError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    result['minutes'] = (time.time() - start) / 60
    out = args.out or osp.join(work_dir, 'zeroshot_benchmark.json')
    write_json_atomic(out, result)
    what = (f'protocol {args.protocol}' if args.protocol else
            f'random splits, {args.num_unseen} unseen')
    title = (f'{osp.basename(args.config)}: {what} ({result["num_seen"]} seen '
             f'/ {result["num_unseen"]} unseen), {result["minutes"]:.1f} min')
    if args.calibration_only:
        for run in result['runs']:
            print(f'seed {run["seed"]}: gamma {run["gamma"]:.4f}, record '
                  f'{run["calibration"]["record"]}')
    if 'summary' in result:
        print(format_summary(result['summary'], result['runs'],
                             title + '; ZSL model trained on every seen class'))
    if 'heldout_summary' in result:
        print(format_summary(result['heldout_summary'], result['runs'],
                             title + '; held-out scheme: the calibration model '
                             'tested'))
    print(f'results written to {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
