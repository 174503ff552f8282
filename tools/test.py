# Copyright (c) OpenMMLab. All rights reserved.
# Adapted from mmaction2 1.x ``tools/test.py`` for vlalign.
"""Test (and evaluate) a checkpoint: ``python tools/test.py CONFIG CKPT``.

The metrics (e.g. ``acc/top1``) are printed by mmengine's logger. vlalign's
setup is the same as in ``tools/train.py``.
"""
import argparse
import os
import os.path as osp
import sys


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(
        description='vlalign test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--show-dir',
        help='directory where the visualization images will be saved.')
    parser.add_argument(
        '--show',
        action='store_true',
        help='whether to display the prediction results in a window.')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='visualize per interval samples.')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='display time of every window. (second)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        parser.error(f'config file "{args.config}" does not exist')
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint "{args.checkpoint}" does not exist')
    if args.dump is not None and not args.dump.endswith(('.pkl', '.pickle')):
        parser.error('the --dump file must be a .pkl or .pickle file')
    return args


def merge_args(cfg, args: argparse.Namespace):
    """Merge the command line arguments into the config.

    Args:
        cfg (mmengine.Config): The config, modified in place.
        args (argparse.Namespace): The parsed arguments.

    Returns:
        mmengine.Config: ``cfg``.
    """
    # -------------------- visualization --------------------
    if args.show or (args.show_dir is not None):
        if 'visualization' not in cfg.get('default_hooks', {}):
            raise SystemExit(
                'error: VisualizationHook is not set in the `default_hooks` '
                'field of the config. Please set `visualization=dict('
                'type="VisualizationHook")`')
        cfg.default_hooks.visualization.enable = True
        cfg.default_hooks.visualization.show = args.show
        cfg.default_hooks.visualization.wait_time = args.wait_time
        cfg.default_hooks.visualization.out_dir = args.show_dir
        cfg.default_hooks.visualization.interval = args.interval

    # -------------------- Dump predictions --------------------
    if args.dump is not None:
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = list(cfg.test_evaluator)
            cfg.test_evaluator.append(dump_metric)
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump_metric]

    return cfg


def main(argv=None) -> None:
    """Entry point.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.
    """
    args = parse_args(argv)

    # ``import vlalign`` applies the fixes for the pinned stack.
    import vlalign  # noqa: F401
    from mmengine.config import Config

    from vlalign.utils import register_all_modules
    from vlalign.utils.launch import build_runner, resolve_work_dir

    register_all_modules()

    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    cfg.setdefault('default_scope', 'vlalign')
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    resolve_work_dir(cfg, args.work_dir, args.config)
    cfg.load_from = args.checkpoint

    runner = build_runner(cfg, args.launcher)
    runner.test()


if __name__ == '__main__':
    sys.exit(main())
