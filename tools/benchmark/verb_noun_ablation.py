"""Ablation of the verb/noun recognizer on generated EPIC-100 style data:
the full model against the same model without cross-task attention, with a
single temporal scale, and with text-initialised heads.

Each variant trains the demo config (``configs/verb_noun/...demo-feature``)
through mmengine's Runner, as ``tools/train.py`` would, for every seed, on
the same generated data; the script prints one JSON object (per variant:
mean and standard deviation over seeds of the final validation figures and
of the train-validation gap) and a table.

Example:
    python tools/benchmark/verb_noun_ablation.py --seeds 0 1 2
"""
import argparse
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from typing import Dict, List

from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from vlalign.data_prep.demo.epic_features import generate_epic_demo
from vlalign.utils import register_all_modules

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEMO_CFG = os.path.join(
    REPO, 'configs', 'verb_noun',
    'verbnoun-xattn_mstemporal_1xb16-u16-15e_epic-demo-feature.py')
KEYS = ('action_top1', 'action_top5', 'verb_top1', 'verb_top5', 'noun_top1',
        'noun_top5')


def variants(data: Dict) -> Dict[str, Dict]:
    """Model overrides of each variant."""
    text = dict(text_init=dict(
        text_encoder=dict(type='BertTextEncoder',
                          pretrained='all-MiniLM-L6-v2', pooling='mean'),
        verb_classes=data['verb_class_file'],
        noun_classes=data['noun_class_file']))
    return {
        'full (xattn, windows 4/8/16)': {},
        'no cross-attention': dict(num_cross_blocks=0),
        'single scale (window 16)': dict(windows=(16, )),
        'text-initialised heads': dict(cls_head=text),
    }


def run_one(data: Dict, model: Dict, seed: int, epochs: int,
            work_dir: str) -> Dict[str, float]:
    cfg = Config.fromfile(DEMO_CFG)
    cfg.merge_from_dict(dict(model=model))
    for loader, ann in (('train_dataloader', data['train_file']),
                        ('val_dataloader', data['val_file']),
                        ('test_dataloader', data['val_file'])):
        cfg[loader].dataset.update(
            ann_file=ann, feature_dir=data['features'],
            verb_class_file=data['verb_class_file'],
            noun_class_file=data['noun_class_file'])
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler[1].update(T_max=epochs - 1, end=epochs)
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    # mmengine logs to stdout; keep stdout for the JSON and the table.
    with contextlib.redirect_stdout(sys.stderr):
        runner = Runner.from_cfg(cfg)
        runner.train()
    hub = runner.message_hub
    out = {k: float(hub.get_scalar(f'val/verb_noun/{k}').current())
           for k in KEYS}
    for k in ('action_top1', 'verb_top1', 'noun_top1'):
        out[f'gap/{k}'] = float(hub.get_scalar(f'val/gap/{k}').current())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=15)
    parser.add_argument('--data-seed', type=int, default=0)
    parser.add_argument('--segments-per-video', type=int, default=20)
    parser.add_argument('--only', nargs='*', default=None,
                        help='variant names to run (default: all)')
    args = parser.parse_args()
    register_all_modules()
    MMLogger.get_instance('mmengine').setLevel(logging.WARNING)
    results: Dict[str, Dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = generate_epic_demo(os.path.join(tmp, 'data'),
                                  segments_per_video=args.segments_per_video,
                                  seed=args.data_seed)
        for name, model in variants(data).items():
            if args.only and name not in args.only:
                continue
            runs: List[Dict[str, float]] = []
            start = time.perf_counter()
            for seed in args.seeds:
                work = os.path.join(tmp, f'w{len(results)}_{seed}')
                runs.append(run_one(data, model, seed, args.epochs, work))
            results[name] = {
                k: dict(mean=statistics.mean(r[k] for r in runs),
                        std=statistics.pstdev(r[k] for r in runs))
                for k in runs[0]}
            results[name]['seconds_per_run'] = (
                time.perf_counter() - start) / len(runs)
    print(json.dumps(dict(seeds=args.seeds, epochs=args.epochs,
                          num_train=data['num_train'],
                          num_val=data['num_val'], results=results),
                     indent=1))
    cols = ('action_top1', 'action_top5', 'verb_top1', 'noun_top1',
            'gap/action_top1')
    print('| variant | ' + ' | '.join(cols) + ' |')
    print('|---' * (len(cols) + 1) + '|')
    for name, res in results.items():
        cells = [f"{res[c]['mean']:.3f} ± {res[c]['std']:.3f}" for c in cols]
        print(f'| {name} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
