# Copyright (c) OpenMMLab. All rights reserved.
# Adapted from mmaction2 1.x ``tools/train.py`` for vlalign.
"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Differences from mmaction2's script: vlalign's modules are registered (default
scope ``'vlalign'``), and on a CPU-only machine a distributed launch
(``--launcher pytorch|slurm``) uses gloo and a DDP wrapper without
``device_ids`` (see :mod:`vlalign.utils.compat`).
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, Optional


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description='Train a vlalign model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory (if that file cannot be loaded, e.g. it was '
        'truncated by a crash, from the newest one that can).')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='whether not to evaluate the checkpoint during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='whether to auto scale the learning rate according to the '
        'actual batch size and the original batch size.')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='whether or not set different seeds for different ranks')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='whether to set deterministic options for CUDNN backend.')
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
    if args.resume not in (None, 'auto') and '://' not in args.resume \
            and not osp.isfile(args.resume):
        parser.error(f'checkpoint to resume from "{args.resume}" does not '
                     'exist')
    return args


def merge_args(cfg, args: argparse.Namespace):
    """Merge the command line arguments into the config.

    Args:
        cfg (mmengine.Config): The config, modified in place.
        args (argparse.Namespace): The parsed arguments.

    Returns:
        mmengine.Config: ``cfg``.
    """
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    cfg.launcher = args.launcher
    cfg.setdefault('default_scope', 'vlalign')

    from vlalign.utils.launch import resolve_work_dir
    resolve_work_dir(cfg, args.work_dir, args.config)

    # enable automatic-mixed-precision training
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise SystemExit(
                f'error: `--amp` does not support the custom optimizer '
                f'wrapper type `{optim_wrapper}`.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    # resume training: no path -> the latest checkpoint of work_dir
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    # enable auto scale learning rate
    if args.auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
            raise SystemExit(
                'error: `--auto-scale-lr` needs '
                '`auto_scale_lr = dict(base_batch_size=...)` in the config.')
        cfg.auto_scale_lr.enable = True

    # random seeds: the CLI overrides what the config says
    randomness = dict(cfg.get('randomness', None) or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    randomness.setdefault('seed', None)
    randomness.setdefault('diff_rank_seed', False)
    randomness.setdefault('deterministic', False)
    cfg.randomness = randomness

    if args.cfg_options is not None:
        # A mistyped key would be ignored, or fail after the work dir exists.
        from vlalign.apis.preflight import check_cfg_options
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)

    return cfg


def main(argv=None) -> Optional[int]:
    """Entry point.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        int | None: 130 after Ctrl-C (one line saying how to resume, no
        traceback), else None.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    state = {}
    try:
        _run(args, state)
    except KeyboardInterrupt:
        from vlalign.utils.launch import interrupted_message, launch_rank
        if launch_rank() == 0:
            message = interrupted_message(state['work_dir'], argv) \
                if 'work_dir' in state else \
                'error: interrupted (Ctrl-C) before training started'
            print(message, file=sys.stderr, flush=True)
        return 130
    return None


def _run(args: argparse.Namespace, state: Dict) -> None:
    """Check everything that can be checked, lock the work dir, train.

    Args:
        args (argparse.Namespace): The parsed arguments.
        state (dict): Gets ``work_dir`` once known (for the Ctrl-C line).
    """
    # ``import vlalign`` applies the fixes for the pinned stack.
    import vlalign  # noqa: F401
    from mmengine.config import Config

    from vlalign.apis.label_embeddings import prepare_label_embeddings
    from vlalign.utils import register_all_modules
    from vlalign.utils.launch import (apply_auto_resume, build_runner,
                                      check_checkpoint, check_output_path,
                                      errors_as_exit, finish_distributed,
                                      work_dir_lock)
    from vlalign.apis.preflight import check_config, check_datasets

    register_all_modules()

    cfg = Config.fromfile(args.config)
    with errors_as_exit(args.config):
        cfg = merge_args(cfg, args)
        state['work_dir'] = cfg.work_dir
        check_output_path(cfg.work_dir, '--work-dir', is_dir=True)
        # Before the Runner creates the work dir: an unknown type, a label
        # count the model cannot take, a broken data file or checkpoint
        # leave no trace.
        check_config(cfg, args.config)
        # Datasets read label-embedding caches; the encoder is built here.
        prepare_label_embeddings(cfg)
        check_datasets(cfg, ('train', 'val'), args.config)
        if args.resume not in (None, 'auto'):
            check_checkpoint(args.resume, resume=True)
        # After merge_args, so a work_dir from --cfg-options counts too: a
        # checkpoint truncated by a crash falls back to the previous one.
        resume_warning = (apply_auto_resume(cfg) if args.resume == 'auto'
                          else None)
        # One training per work dir: a second one (or a resume while the
        # first runs) would overwrite its checkpoints. Checkpoints are
        # written atomically, so choosing one above, unlocked, is safe.
        with work_dir_lock(cfg.work_dir):
            runner = build_runner(cfg, args.launcher)
            if resume_warning:
                runner.logger.warning(resume_warning)
            runner.train()
    finish_distributed()


if __name__ == '__main__':
    sys.exit(main())
