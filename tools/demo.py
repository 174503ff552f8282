"""The one-command demo: generate the embedded demo data, train Visece on the
seen classes, then report seen accuracy and zero-shot accuracy on the unseen
classes (named only in text).

    python tools/demo.py [--config CONFIG] [--work-dir DIR] [--data-root DIR]
"""
import argparse
import os
import os.path as osp
import time

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from vlalign.classes import load_class_names
from vlalign.data_prep.demo import generate_demo_dataset
from vlalign.utils import register_all_modules

DEFAULT_CONFIG = 'configs/visece/visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/demo')
    parser.add_argument('--seed', type=int, default=0, help='data and training seed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, as in tools/train.py')
    return parser.parse_args()


def evaluate(cfg: Config, checkpoint: str, class_file: str, split: str) -> dict:
    """Test ``checkpoint`` on the classes of ``class_file`` in ``split``."""
    cfg = cfg.copy()
    cfg.load_from = checkpoint
    cfg.test_dataloader.dataset.class_subset = class_file
    cfg.test_dataloader.dataset.split = split
    runner = Runner.from_cfg(cfg)
    return runner.test()


def main() -> None:
    args = parse_args()
    register_all_modules()
    start = time.time()
    ann_file = osp.join(args.data_root, 'demo_skeleton.pkl')
    if not osp.exists(ann_file):
        print(f'[demo] generating the demo data in {args.data_root} ...')
        summary = generate_demo_dataset(args.data_root, seed=args.seed)
        print(f'[demo] {summary}')
    else:
        print(f'[demo] reusing the demo data in {args.data_root}')

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir
    cfg.randomness = dict(seed=args.seed)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg[loader].dataset
        ds.ann_file = ann_file
        ds.class_file = osp.join(args.data_root, 'classes.txt')
    seen = osp.join(args.data_root, 'seen.txt')
    unseen = osp.join(args.data_root, 'unseen.txt')
    cfg.train_dataloader.dataset.class_subset = seen
    cfg.val_dataloader.dataset.class_subset = seen

    print(f'[demo] training {cfg.model.type} on the seen classes '
          f'({cfg.train_cfg.max_epochs} epochs) -> {args.work_dir}')
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt_hook = [h for h in runner.hooks if type(h).__name__ == 'CheckpointHook'][0]
    checkpoint = ckpt_hook.best_ckpt_path or osp.join(
        args.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    train_minutes = (time.time() - start) / 60

    seen_metrics = evaluate(cfg, checkpoint, seen, 'test')
    unseen_metrics = evaluate(cfg, checkpoint, unseen, 'test')
    n_seen, n_unseen = len(load_class_names(seen)), len(load_class_names(unseen))
    print('\n' + '=' * 64)
    print(f'vlalign demo: {cfg.model.type} on synthetic skeletons '
          f'(checkpoint {osp.basename(checkpoint)})')
    print(f'{"test set":<34}{"classes":>8}{"top1":>8}{"chance":>9}')
    print(f'{"seen classes (supervised)":<34}{n_seen:>8}'
          f'{seen_metrics["acc/top1"]:>8.3f}{1 / n_seen:>9.3f}')
    print(f'{"unseen classes (zero-shot)":<34}{n_unseen:>8}'
          f'{unseen_metrics["acc/top1"]:>8.3f}{1 / n_unseen:>9.3f}')
    print(f'total time {(time.time() - start) / 60:.1f} min '
          f'(training {train_minutes:.1f} min)')
    print('=' * 64)


if __name__ == '__main__':
    os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
    main()
