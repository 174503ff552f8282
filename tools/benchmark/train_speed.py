"""Training throughput: mmaction2's PoseC3D against vlalign's Visece and PACL.

Three recipes on the same backbone (PoseC3D's SlowOnly on 17 joint
heatmaps), the same clip length, heatmap size and batch, trained on the same
generated NTU-style pickle in one run:

- ``mmaction2``: mmaction2's own config
  ``mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py``
  (``Recognizer3D``, ``I3DHead``, mmaction2's ``GeneratePoseTarget``);
- ``visece`` / ``pacl``: vlalign's NTU-60 configs (``FastGeneratePoseTarget``,
  a text encoder trained with the video encoder).

Three figures per recipe, in clips per second:

- ``end_to_end``: a full training step fed by a DataLoader with
  ``--workers`` worker processes (pose pipeline and heatmaps included), the
  forward and backward passes and the optimizer step;
- ``model_only``: the same step on a batch already in memory, so the ratio
  to ``mmaction2`` is the cost of the alignment machinery alone;
- ``data_only``: samples through the recipe's data pipeline (heatmaps
  included) in this process, no workers and no model: the rate one worker
  can feed a model that is not the bottleneck (on a GPU). On a CPU the
  model step dominates and the workers hide the pipeline, so ``end_to_end``
  there mostly follows ``model_only``.

Recipes are timed in alternating rounds so a busy machine slows them alike;
ratios are against ``mmaction2`` in the same run. The original BERT-base text
encoder is not available offline, so its architecture is built randomly
initialised (``--text-encoder bert-base``, same cost; MiniLM's tokenizer).

Example:
    python tools/benchmark/train_speed.py --batch-size 4 --iters 4 --out speed.json
"""
import argparse
import copy
import json
import os
import os.path as osp
import pickle
import sys
import tempfile
import time
from typing import Dict, Iterator, List, Optional

import numpy as np

# Runnable from a checkout without installing vlalign.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

RECIPES = {
    'mmaction2': 'mmaction::skeleton/posec3d/'
                 'slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py',
    'visece': osp.join(REPO_ROOT, 'configs/visece/visece_slowonly-r50-bert_'
                       '8xb16-u48-24e_ntu60-xsub-keypoint.py'),
    'pacl': osp.join(REPO_ROOT, 'configs/pacl/pacl_slowonly-r50-bert_'
                     '8xb16-u48-24e_ntu60-xsub-keypoint.py'),
}
TEXT_ENCODERS = {
    # BERT-base's architecture (BertConfig defaults), randomly initialised.
    'bert-base': dict(type='BertTextEncoder', config=dict(hidden_size=768),
                      pooling='cls', max_length=32),
    'minilm': dict(type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                   pooling='mean', max_length=32),
    # For smoke tests only: a 1-layer, 32-wide random BERT.
    'tiny': dict(type='BertTextEncoder', config=dict(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64), max_length=32),
}
TEXT_WIDTHS = {'bert-base': 768, 'minilm': 384, 'tiny': 32}
NUM_CLASSES = 60
MODES = ('end_to_end', 'model_only', 'data_only')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` if ``argv`` is None)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--recipes', nargs='+', default=list(RECIPES),
                        choices=list(RECIPES))
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--clip-len', type=int, default=48)
    parser.add_argument('--size', type=int, default=56,
                        help='heatmap height and width (default: 56)')
    parser.add_argument('--workers', type=int, default=2,
                        help='DataLoader workers (default: 2)')
    parser.add_argument('--modes', nargs='+', default=list(MODES),
                        choices=list(MODES))
    parser.add_argument('--iters', type=int, default=4,
                        help='timed steps per recipe and round (default: 4)')
    parser.add_argument('--rounds', type=int, default=2,
                        help='alternating rounds (default: 2)')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per recipe first (default: 1)')
    parser.add_argument('--num-samples', type=int, default=64,
                        help='generated sequences (default: 64)')
    parser.add_argument('--text-encoder', choices=list(TEXT_ENCODERS),
                        default='bert-base')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch default)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='also write the JSON to this file')
    return parser.parse_args(argv)


def write_pose_pickle(path: str, num_samples: int, seed: int) -> str:
    """NTU-style 2D COCO-17 annotations (split ``xsub_train``), 60 labels."""
    from vlalign.testing.pose_samples import walking_people_sample
    rng = np.random.default_rng(seed)
    annotations = []
    for i in range(num_samples):
        sample = walking_people_sample(rng, int(rng.integers(60, 120)))
        sample.update(frame_dir=f'gen{i:04d}', label=int(i % NUM_CLASSES),
                      original_shape=sample['img_shape'])
        annotations.append(sample)
    names = [a['frame_dir'] for a in annotations]
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(xsub_train=names, xsub_val=names),
                         annotations=annotations), f)
    return path


def _adapt_pipeline(pipeline: List[Dict], clip_len: int, size: int) -> None:
    for step in pipeline:
        if step['type'] == 'UniformSampleFrames':
            step['clip_len'] = clip_len
        elif step['type'] == 'Resize' and step.get('keep_ratio') is False:
            step['scale'] = (size, size)


def load_recipe(name: str, args: argparse.Namespace, ann_file: str):
    """The recipe's config with the shared data, sizes, batch and workers."""
    from mmengine import Config
    path = RECIPES[name]
    if path.startswith('mmaction::'):  # the config mmaction2 installs
        import mmaction
        path = osp.join(osp.dirname(mmaction.__file__), '.mim', 'configs',
                        path[len('mmaction::'):])
    cfg = Config.fromfile(path)
    loader = cfg.train_dataloader
    dataset = loader.dataset
    while 'dataset' in dataset:  # RepeatDataset
        dataset = dataset.dataset
    dataset.ann_file = ann_file
    _adapt_pipeline(dataset.pipeline, args.clip_len, args.size)
    loader.batch_size = args.batch_size
    loader.num_workers = args.workers
    loader.persistent_workers = args.workers > 0
    if 'text_encoder' in cfg.model:
        cfg.model.text_encoder = copy.deepcopy(TEXT_ENCODERS[args.text_encoder])
        width = TEXT_WIDTHS[args.text_encoder]
        if cfg.model.get('text_embedder'):
            cfg.model.text_embedder.in_features = width
        if cfg.model.video_encoder.get('out_channels'):
            cfg.model.video_encoder.out_channels = width
        if cfg.model.get('video_embedder', {}).get('in_features'):
            cfg.model.video_embedder.in_features = width
    return cfg


class Recipe:
    """A built model, optimizer and endless batch iterator of one recipe."""

    def __init__(self, name: str, cfg, seed: int) -> None:
        import torch
        from mmengine.optim import build_optim_wrapper
        from mmengine.runner import Runner

        from vlalign.registry import MODELS
        self.name = name
        torch.manual_seed(seed)
        self.model = MODELS.build(cfg.model)
        self.model.init_weights()
        self.model.train()
        self.optim = build_optim_wrapper(self.model, cfg.optim_wrapper)
        self.loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
        if hasattr(self.model, 'set_class_texts'):
            classes = self.loader.dataset.metainfo['classes']
            self.model.set_class_texts(list(classes))
        self.batch_size = cfg.train_dataloader.batch_size
        self._batches = self._endless()
        self.fixed = next(self._batches)
        self._cursor = 0
        self.seconds = dict.fromkeys(MODES, 0.)
        self.clips = dict.fromkeys(MODES, 0)

    def _endless(self) -> Iterator[Dict]:
        while True:
            yield from self.loader

    def step(self, batch: Dict) -> None:
        self.model.train_step(batch, self.optim)

    def run(self, iters: int, mode: str, timed: bool = True) -> None:
        """``iters`` training steps on fresh batches (``end_to_end``) or the
        fixed batch (``model_only``), or ``iters`` batches drawn and dropped
        (``data_only``: ``iters`` batches' worth of samples through the
        pipeline, in this process)."""
        tic = time.perf_counter()
        dataset = self.loader.dataset
        for _ in range(iters):
            if mode == 'data_only':
                for _ in range(self.batch_size):
                    dataset[self._cursor % len(dataset)]
                    self._cursor += 1
                continue
            batch = next(self._batches) if mode == 'end_to_end' else self.fixed
            self.step(batch)
        if timed:
            self.seconds[mode] += time.perf_counter() - tic
            self.clips[mode] += iters * self.batch_size

    def clips_per_s(self, mode: str) -> float:
        return self.clips[mode] / self.seconds[mode]


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    import torch

    from mmengine.logging import MMLogger

    from vlalign.utils import register_all_modules
    register_all_modules()
    # Building logs every parameter group and init; keep the figures readable.
    MMLogger.get_current_instance().setLevel('WARNING')
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = write_pose_pickle(osp.join(tmp, 'ntu_gen.pkl'),
                                     args.num_samples, args.seed)
        recipes = []
        for name in args.recipes:
            print(f'building {name} ...', file=sys.stderr, flush=True)
            recipe = Recipe(name, load_recipe(name, args, ann_file), args.seed)
            for mode in args.modes:
                recipe.run(args.warmup, mode, timed=False)
            recipes.append(recipe)
        for rnd in range(args.rounds):
            # Alternate the order so no recipe always runs first.
            order = recipes if rnd % 2 == 0 else recipes[::-1]
            for recipe in order:
                for mode in args.modes:
                    recipe.run(args.iters, mode)
                print(f'round {rnd + 1}/{args.rounds}: {recipe.name} '
                      + ', '.join(f'{m} {recipe.clips_per_s(m):.2f} clips/s'
                                  for m in args.modes),
                      file=sys.stderr, flush=True)
    base = next((r for r in recipes if r.name == 'mmaction2'), None)
    rows = []
    for recipe in recipes:
        row = dict(recipe=recipe.name)
        for mode in args.modes:
            row[f'{mode}_clips_per_s'] = round(recipe.clips_per_s(mode), 3)
            if base is not None:
                row[f'{mode}_ratio_to_mmaction2'] = round(
                    recipe.clips_per_s(mode) / base.clips_per_s(mode), 3)
        rows.append(row)
    report = dict(
        setup=dict(batch_size=args.batch_size, clip_len=args.clip_len,
                   heatmap=f'{args.size}x{args.size}', workers=args.workers,
                   timed_steps=args.iters * args.rounds,
                   text_encoder=args.text_encoder,
                   torch_threads=torch.get_num_threads(),
                   cpu_count=os.cpu_count(), device='cpu'),
        results=rows)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    print(_table(rows, args.modes), file=sys.stderr)
    return report


def _table(rows: List[Dict], modes: List[str]) -> str:
    lines = ['| recipe | ' + ' | '.join(
        f'{m.replace("_", " ")} clips/s | ratio' for m in modes) + ' |',
        '|---' * (1 + 2 * len(modes)) + '|']
    for r in rows:
        lines.append(f"| {r['recipe']} | " + ' | '.join(
            f"{r[f'{m}_clips_per_s']} | "
            f"{r.get(f'{m}_ratio_to_mmaction2', '-')}" for m in modes) + ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
