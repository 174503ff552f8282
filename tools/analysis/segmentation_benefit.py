"""Does alignment help segmentation? Train the same small segmentation head
on raw and on enhanced features and print both metric sets.

The head (``vlalign.evaluation.segmentation_probe.SegmentationProbe``: a
3-frame conv, ReLU, 1x1 conv) is trained on the train split and scored on
the test split (F1@{10,25,50}, edit, frame accuracy; background labels form
no segment), once per seed, for each feature set.

Example (after training an aligner and exporting its features):
    python tools/analysis/segmentation_benefit.py --data-root data/semantic_tcn_demo \
        --enhanced-dir work_dirs/enhanced --seeds 0 1 2
"""
import argparse
import json
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np

METRICS = ('F1@10', 'F1@25', 'F1@50', 'edit', 'acc')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', required=True,
                        help='MS-TCN layout folder (raw features, labels)')
    parser.add_argument('--enhanced-dir', required=True,
                        help='folder of enhanced (C, T) .npy files')
    parser.add_argument('--features-dir', default='features')
    parser.add_argument('--gt-dir', default='groundTruth')
    parser.add_argument('--mapping-file', default='mapping.txt')
    parser.add_argument('--train-split', default='splits/train.split1.bundle')
    parser.add_argument('--test-split', default='splits/test.split1.bundle')
    parser.add_argument('--bg-class', nargs='*', default=['background'],
                        help='labels that form no segment')
    parser.add_argument('--epochs', type=int, default=60)
    parser.add_argument('--kernel-size', type=int, default=3,
                        help='temporal kernel of the head (odd); e.g. 15 '
                        "gives raw features the aligner TCN's receptive field")
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--out', default=None, help='also write JSON here')
    return parser.parse_args(argv)


def _load(root: str, feat_dir: str, args, split: str, index: Dict[str, int]):
    from vlalign.datasets.segmentation_features import (load_feature_array,
                                                        read_bundle,
                                                        read_frame_labels)
    videos = []
    for name in read_bundle(osp.join(args.data_root, split)):
        labels = read_frame_labels(
            osp.join(args.data_root, args.gt_dir, f'{name}.txt'), index)
        feats = load_feature_array(osp.join(feat_dir, f'{name}.npy'))
        if len(feats) != len(labels):
            raise SystemExit(f'{feat_dir}/{name}.npy has {len(feats)} frames,'
                             f' its labels {len(labels)}')
        videos.append((feats, labels))
    return videos


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    from vlalign.datasets.segmentation_features import parse_mapping_file
    from vlalign.evaluation.segmentation_probe import train_and_score_probe
    classes = list(parse_mapping_file(
        osp.join(args.data_root, args.mapping_file)))
    index = {c: i for i, c in enumerate(classes)}
    bg = [index[c] for c in args.bg_class if c in index]
    sources = dict(raw=osp.join(args.data_root, args.features_dir),
                   enhanced=args.enhanced_dir)
    results: Dict[str, Dict] = {}
    for kind, folder in sources.items():
        train = _load(args.data_root, folder, args, args.train_split, index)
        test = _load(args.data_root, folder, args, args.test_split, index)
        runs = []
        for seed in args.seeds:
            start = time.perf_counter()
            runs.append(train_and_score_probe(
                train, test, len(classes), epochs=args.epochs, seed=seed,
                bg_class=bg, kernel_size=args.kernel_size))
            print(f'{kind:>8} seed {seed}: ' + '  '.join(
                f'{m} {runs[-1][m]:.1f}' for m in METRICS) +
                f'  ({time.perf_counter() - start:.1f}s)', flush=True)
        results[kind] = dict(
            dim=int(train[0][0].shape[1]),
            mean={m: float(np.mean([r[m] for r in runs])) for m in METRICS},
            std={m: float(np.std([r[m] for r in runs])) for m in METRICS},
            runs=runs)
    print(f'\nsegmentation head (kernel {args.kernel_size}) on the test '
          f'split, mean +- std over seeds {args.seeds}:')
    print(f'| features | dim | ' + ' | '.join(METRICS) + ' |')
    print('|---|---|' + '---|' * len(METRICS))
    for kind, r in results.items():
        print(f'| {kind} | {r["dim"]} | ' + ' | '.join(
            f'{r["mean"][m]:.1f} +- {r["std"][m]:.1f}' for m in METRICS) + ' |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
