"""Training throughput of FeatureCLIP: the original notebook's data path
against vlalign's, same model, same steps, same generated data, one run.

* seed style (as the original notebook): every item ``torch.load``s its own
  ``.pt`` narration-embedding file and opens the HDF5 feature file, reads
  the window and closes it again;
* vlalign: :class:`FeatureNarrationDataset` -- all narration embeddings in
  one array read once, the feature store opened once per process (and read
  through its memory map), batches stacked by ``feature_text_collate``.

Both train the same :class:`FeatureCLIP` (identical initial weights, AdamW)
on the same sequence of narrations for ``--steps`` steps after
``--warmup`` untimed ones, and the script prints one JSON object: examples
per second of each, their ratio, and where the time went (waiting for data
vs. computing; ``data_path_ratio`` compares the waiting alone). The model
is small by default (``--proj-dim 128``) so the figure shows the data path;
a larger model on a CPU hides it behind its own compute (``--proj-dim 1536``
is the original width), see docs/feature_clip.md.

Example:
    python tools/benchmark/feature_clip.py --steps 20 --batch-size 128
"""
import argparse
import json
import os
import shutil
import tempfile
import time
from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from vlalign.data_prep.writers import write_feature_store
from vlalign.datasets.feature_text_datasets import (FeatureNarrationDataset,
                                                    feature_text_collate,
                                                    get_start_end_idx)
from vlalign.data_prep.writers import write_text_embeddings
from vlalign.models.recognizers.feature_clip import FeatureCLIP

FPS = 30 / 16
OFFSET_SEC = 0.1


def generate(root: str, args: argparse.Namespace) -> Dict[str, Any]:
    """Features, one ``.pt`` per narration (seed style) and the same
    embeddings as one array (vlalign), from one seed."""
    rng = np.random.default_rng(args.seed)
    keys = [f'video_{i:04d}' for i in range(args.videos)]
    feature_file = os.path.join(root, 'features.h5')
    write_feature_store(
        ((k, rng.standard_normal((args.frames, args.feature_dim),
                                 dtype=np.float32)) for k in keys),
        feature_file)
    duration = args.frames / FPS
    emb = rng.standard_normal((args.narrations, args.text_dim),
                              dtype=np.float32)
    meta, pt_files = [], []
    pt_dir = os.path.join(root, 'narration_pt')
    os.makedirs(pt_dir)
    for i in range(args.narrations):
        item = dict(video_uid=keys[int(rng.integers(len(keys)))],
                    timestamp_sec=float(rng.uniform(0, duration)),
                    text=f'narration {i}')
        meta.append(item)
        pt_files.append(os.path.join(pt_dir, f'{i:07d}.pt'))
        torch.save(torch.from_numpy(emb[i]), pt_files[-1])
    prefix = os.path.join(root, 'narrations')
    write_text_embeddings(prefix, emb, meta)
    return dict(feature_file=feature_file, narration_prefix=prefix,
                meta=meta, pt_files=pt_files)


class SeedStyleDataset(Dataset):
    """The original notebook's loader: per item, one ``torch.load`` and one
    HDF5 open/read/close."""

    def __init__(self, feature_file: str, meta: List[Dict],
                 pt_files: List[str]) -> None:
        self.feature_file = feature_file
        self.meta = meta
        self.pt_files = pt_files

    def __len__(self) -> int:
        return len(self.meta)

    def __getitem__(self, idx: int) -> Tuple[torch.Tensor, torch.Tensor]:
        import h5py
        item = self.meta[idx]
        text = torch.load(self.pt_files[idx])
        with h5py.File(self.feature_file, 'r') as f:
            dset = f[item['video_uid']]
            t = item['timestamp_sec']
            s, e = get_start_end_idx(t - OFFSET_SEC, t + OFFSET_SEC, FPS,
                                     dset.shape[0])
            video = torch.from_numpy(dset[s:e]).mean(0)
        return video, text


def seed_collate(batch: List[Tuple[torch.Tensor, torch.Tensor]]) -> Dict:
    video, text = zip(*batch)
    return dict(inputs=dict(video=torch.stack(video), text=torch.stack(text)))


def build_model(args: argparse.Namespace) -> FeatureCLIP:
    torch.manual_seed(args.seed)
    mlp = dict(type='ProjectionMLP', out_channels=args.proj_dim,
               num_layers=args.proj_layers)
    return FeatureCLIP(visual_proj=dict(mlp, in_channels=args.feature_dim),
                       text_proj=dict(mlp, in_channels=args.text_dim))


def train(loader: DataLoader, args: argparse.Namespace) -> Dict[str, float]:
    """``warmup + steps`` AdamW steps; the last ``steps`` are timed."""
    model = build_model(args)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-4)
    data_s = compute_s = 0.0
    steps = 0
    it = iter(loader)
    start = None
    while steps < args.warmup + args.steps:
        if steps == args.warmup:
            start = time.perf_counter()
            data_s = compute_s = 0.0
        t0 = time.perf_counter()
        try:
            batch = next(it)
        except StopIteration:
            it = iter(loader)
            batch = next(it)
        t1 = time.perf_counter()
        losses = model(batch['inputs'], mode='loss')
        loss = losses['loss_v2t'] + losses['loss_t2v']
        optim.zero_grad()
        loss.backward()
        optim.step()
        t2 = time.perf_counter()
        data_s += t1 - t0
        compute_s += t2 - t1
        steps += 1
    total = time.perf_counter() - start
    n = args.steps * args.batch_size
    return dict(examples_per_s=n / total, seconds=total, data_s=data_s,
                compute_s=compute_s, final_loss=float(loss))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--videos', type=int, default=64)
    parser.add_argument('--frames', type=int, default=240,
                        help='feature rows per video (240 = 128 s)')
    parser.add_argument('--narrations', type=int, default=4096)
    parser.add_argument('--feature-dim', type=int, default=1536,
                        help='1536 = Omnivore Swin-L')
    parser.add_argument('--text-dim', type=int, default=768,
                        help='768 = all-mpnet-base-v2')
    parser.add_argument('--proj-dim', type=int, default=128)
    parser.add_argument('--proj-layers', type=int, default=2)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--workers', type=int, default=0,
                        help='DataLoader workers of both paths')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (1: figures comparable on a '
                        'shared machine)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir', default=None,
                        help='where to generate the data (default: a '
                        'temporary folder, removed at the end)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    root = args.work_dir or tempfile.mkdtemp(prefix='vlalign_bench_')
    os.makedirs(root, exist_ok=True)
    try:
        t0 = time.perf_counter()
        data = generate(root, args)
        gen_s = time.perf_counter() - t0

        def loader(dataset: Dataset, collate: Any) -> DataLoader:
            # Same shuffled order for both paths.
            g = torch.Generator().manual_seed(args.seed)
            return DataLoader(dataset, batch_size=args.batch_size,
                              shuffle=True, generator=g, drop_last=True,
                              num_workers=args.workers,
                              persistent_workers=args.workers > 0,
                              collate_fn=collate)

        seed = train(loader(SeedStyleDataset(data['feature_file'],
                                             data['meta'], data['pt_files']),
                            seed_collate), args)
        ours = train(loader(FeatureNarrationDataset(
            data['feature_file'], data['narration_prefix'],
            features_per_second=FPS, offset_sec=OFFSET_SEC,
            feature_dim=args.feature_dim, text_dim=args.text_dim),
            feature_text_collate), args)
    finally:
        if args.work_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    result = dict(
        benchmark='feature_clip_training',
        seed_style_examples_per_s=round(seed['examples_per_s'], 1),
        vlalign_examples_per_s=round(ours['examples_per_s'], 1),
        ratio=round(ours['examples_per_s'] / seed['examples_per_s'], 2),
        # the loaders alone: seconds waiting for the same batches
        data_path_ratio=round(seed['data_s'] / max(ours['data_s'], 1e-9), 2),
        seed_style=dict((k, round(v, 4)) for k, v in seed.items()),
        vlalign=dict((k, round(v, 4)) for k, v in ours.items()),
        same_final_loss=abs(seed['final_loss'] - ours['final_loss']) < 1e-4,
        setup=dict(videos=args.videos, frames=args.frames,
                   narrations=args.narrations, feature_dim=args.feature_dim,
                   text_dim=args.text_dim, proj_dim=args.proj_dim,
                   proj_layers=args.proj_layers, batch_size=args.batch_size,
                   steps=args.steps, warmup=args.warmup,
                   workers=args.workers, threads=args.threads,
                   generate_s=round(gen_s, 2)))
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
