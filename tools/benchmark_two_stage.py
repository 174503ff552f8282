"""Every stage-2 method on the same stage-1 features, several seeds, one table.

    python tools/benchmark_two_stage.py --features DIR --protocol NAME|DIR \
        --methods all --seeds 0 1 2 [--work-dir DIR] [--out results.json]
        [--descriptions FILE] [--epoch-scale 1] [--iter-scale 1]

Per method and seed: train the method's configs/two_stage config with
ZSLTrainLoop (calibration fold on held-out seen classes, fit on all seen
classes, finalize) and test it on gtest.npy. Prints and writes (JSON, and
Markdown beside it) a row per method: ZSL top-1, GZSL seen / unseen /
harmonic mean uncalibrated, calibrated (gamma from the calibration fold)
and gated (SynSE's gate, where the method has one), mean +- std over
seeds, and training seconds. Finished runs are kept in
<work-dir>/<method>/seed_<s>/result.json and skipped by a rerun.
"""
import argparse
import json
import os.path as osp
import sys


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--features', required=True,
                        help='feature folder (train/ztest/gtest .npy)')
    parser.add_argument('--protocol', required=True,
                        help='protocol name or folder')
    parser.add_argument('--methods', nargs='+', default=['all'])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--work-dir', default='work_dirs/two_stage_benchmark')
    parser.add_argument('--out', default=None,
                        help='results JSON (default: <work-dir>/results.json)')
    parser.add_argument('--descriptions', default=None,
                        help='description file for the -desc methods')
    parser.add_argument('--epoch-scale', type=float, default=1.0,
                        help='shorten epoch-defined schedules by this factor')
    parser.add_argument('--iter-scale', type=float, default=1.0,
                        help='shorten iteration-defined schedules (SynSE, '
                        'SA-DVAE cycles) by this factor')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (stage-2 models are small: one '
                        'thread is fastest, and least harmful on a shared '
                        'CPU)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    import vlalign  # noqa: F401
    from vlalign.apis.two_stage import benchmark_two_stage
    from vlalign.utils.atomic_io import atomic_open
    from vlalign.utils.launch import errors_as_exit
    with errors_as_exit('tools/benchmark_two_stage.py'):
        result = benchmark_two_stage(
            args.features, args.protocol, args.methods, args.seeds,
            args.work_dir, descriptions=args.descriptions,
            cfg_options=args.cfg_options, epoch_scale=args.epoch_scale,
            iter_scale=args.iter_scale,
            log=lambda m: print(m, file=sys.stderr, flush=True))
    result['command'] = ' '.join(['python', 'tools/benchmark_two_stage.py']
                                 + list(argv if argv is not None
                                        else sys.argv[1:]))
    out = args.out or osp.join(args.work_dir, 'results.json')
    with atomic_open(out, 'w') as f:
        json.dump(result, f, indent=2)
    with atomic_open(osp.splitext(out)[0] + '.md', 'w') as f:
        f.write(result['table'] + '\n')
    print(result['table'])
    return 0


if __name__ == '__main__':
    sys.exit(main())
