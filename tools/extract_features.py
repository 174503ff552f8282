"""Stage 1 of the two-stage zero-shot protocol: write a trained skeleton
encoder's features in the layout SynSE and SA-DVAE ship.

    python tools/extract_features.py CONFIG CHECKPOINT --protocol NAME|DIR \
        --out DIR [--frames] [--batch-size 16] [--chunk-size 256]

Writes ``train.npy``/``train_label.npy`` (training split, seen classes),
``ztest.npy``/``z_label.npy`` (test split, unseen classes),
``gtest.npy``/``g_label.npy`` (test split, all classes), global labels,
``[N, C]`` pooled features (``--frames``: also ``<split>_frames.npy``
``[N, T, C]``), then ``meta.json``. Each file is written atomically; an
interrupted run resumes from its finished chunks when rerun with the same
arguments. See vlalign/apis/feature_extraction.py.
"""
import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the stage-1 config')
    parser.add_argument('checkpoint', help='its trained checkpoint')
    parser.add_argument('--protocol', required=True,
                        help='a shipped protocol name or a protocol folder')
    parser.add_argument('--out', required=True, help='the feature folder')
    parser.add_argument('--frames', action='store_true',
                        help='also write per-frame features [N, T, C]')
    parser.add_argument('--splits', nargs='+',
                        default=['train', 'ztest', 'gtest'],
                        choices=['train', 'ztest', 'gtest'])
    parser.add_argument('--train-split', default=None,
                        help='data split of the pickle to train on '
                        "(default: the protocol's train_split)")
    parser.add_argument('--test-split', default=None,
                        help="data split to test on (default: the "
                        "protocol's test_split)")
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--chunk-size', type=int, default=256,
                        help='samples per resumable chunk')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import vlalign  # noqa: F401
    from vlalign.apis.feature_extraction import extract_features
    from vlalign.utils.launch import errors_as_exit
    with errors_as_exit(args.config):
        meta = extract_features(
            args.config, args.checkpoint, args.protocol, args.out,
            frames=args.frames, batch_size=args.batch_size,
            chunk_size=args.chunk_size, device=args.device,
            splits=args.splits, train_split=args.train_split,
            test_split=args.test_split, cfg_options=args.cfg_options,
            log=lambda m: print(m, file=sys.stderr, flush=True))
    for split, info in meta['splits'].items():
        print(f'{split}: {info["shape"]} from {info["data_split"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
