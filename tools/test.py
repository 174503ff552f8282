# Copyright (c) OpenMMLab. All rights reserved.
# Adapted from mmaction2 1.x ``tools/test.py`` for vlalign.
"""Test (and evaluate) a checkpoint: ``python tools/test.py CONFIG CKPT``.

The metrics (e.g. ``acc/top1``) are printed by mmengine's logger and as a
table at the end. vlalign's setup is the same as in ``tools/train.py``. The
zero-shot options (``--labels``, ``--split``, ``--prompts``, ...) turn the
test into a zero-shot evaluation on any label list; ``tools/zeroshot.py`` is
this tool with ``--labels`` required, and ``tools/dist_test.sh`` passes them
through.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional


def parse_args(argv=None, require_labels: bool = False) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.
        require_labels (bool): Make ``--labels`` required (zeroshot.py).

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    from mmengine.config import DictAction

    from vlalign.apis.zero_shot import add_zero_shot_args

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
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='load a checkpoint whose weights do not all fit the model '
        '(missing, unexpected or differently shaped); by default such a '
        'checkpoint is refused')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_zero_shot_args(parser, require_labels=require_labels)
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


def main(argv=None, require_labels: bool = False) -> Optional[int]:
    """Entry point.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.
        require_labels (bool): Make ``--labels`` required (zeroshot.py).

    Returns:
        int | None: 130 after Ctrl-C (one line, no traceback), else None.
    """
    args = parse_args(argv, require_labels)
    try:
        return _run(args)
    except KeyboardInterrupt:
        from vlalign.utils.launch import launch_rank
        if launch_rank() == 0:
            print('error: interrupted (Ctrl-C) before the evaluation '
                  'finished; no metrics or predictions were written',
                  file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> None:
    """Check everything that can be checked, then evaluate."""
    # ``import vlalign`` applies the fixes for the pinned stack.
    import vlalign  # noqa: F401
    from mmengine.config import Config

    from mmengine.dist import is_main_process

    from vlalign.apis.zero_shot import (apply_zero_shot_args,
                                        format_zero_shot_table,
                                        wants_zero_shot, write_json_atomic)
    from vlalign.apis.label_embeddings import prepare_label_embeddings
    from vlalign.utils import register_all_modules
    from vlalign.utils.launch import (build_runner, check_output_path,
                                      errors_as_exit, finish_distributed,
                                      resolve_work_dir)
    from vlalign.apis.preflight import (check_cfg_options,
                                        check_checkpoint_fits, check_config,
                                        check_datasets)

    register_all_modules()

    cfg = Config.fromfile(args.config)
    with errors_as_exit(args.config):
        cfg = merge_args(cfg, args)
        cfg.setdefault('default_scope', 'vlalign')
        if args.cfg_options is not None:
            # A mistyped key would be ignored or fail after the work dir.
            check_cfg_options(cfg, args.cfg_options, args.config)
            cfg.merge_from_dict(args.cfg_options)
        if wants_zero_shot(args):
            apply_zero_shot_args(cfg, args)
        resolve_work_dir(cfg, args.work_dir, args.config)
        cfg.load_from = args.checkpoint
        # Outputs first: a full evaluation must not end in "is a folder".
        check_output_path(cfg.work_dir, '--work-dir', is_dir=True)
        for option in ('out', 'dump'):
            if getattr(args, option, None) is not None:
                check_output_path(getattr(args, option), f'--{option}')
        # Before the Runner creates the work dir (see tools/train.py).
        check_config(cfg, args.config)
        # Datasets read label-embedding caches; the encoder is built here.
        prepare_label_embeddings(cfg)
        # Weights of another model would evaluate at chance level, exit 0.
        check_checkpoint_fits(cfg, args.checkpoint, args.allow_partial_load)
        check_datasets(cfg, ('test', ), args.config)
        runner = build_runner(cfg, args.launcher)
        metrics = runner.test()
    if is_main_process():
        labels = args.labels or cfg.test_dataloader.dataset.get(
            'class_file', cfg.test_dataloader.dataset.get('type'))
        title = f'{osp.basename(args.checkpoint)} on {labels}'
        print(format_zero_shot_table(metrics, title), flush=True)
        if args.out is not None:
            write_json_atomic(args.out, dict(
                config=args.config, checkpoint=args.checkpoint,
                labels=args.labels, unseen=args.split, prompts=args.prompts,
                gamma=args.gamma, metrics=metrics))
            print(f'metrics written to {args.out}')
    finish_distributed()


if __name__ == '__main__':
    sys.exit(main())
