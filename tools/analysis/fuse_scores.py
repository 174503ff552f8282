"""Score-level fusion of multi-stream test results.

    python tools/test.py J.py J.pth --dump j.pkl    # one dump per stream
    python tools/test.py B.py B.pth --dump b.pkl
    python tools/analysis/fuse_scores.py j.pkl b.pkl jm.pkl bm.pkl \\
        [--weights 1 1 0.5 0.5] [--unseen UNSEEN.txt --labels LABELS.txt] \\
        [--out fusion.json]

Prints top-1, top-5 and mean class accuracy of each stream and of the
weighted sum of their scores; with ``--unseen`` and ``--labels`` also ZSL
top-1 (unseen samples among the unseen classes) and GZSL seen / unseen /
harmonic mean (all classes compete).

The dumps must come from the same test set (same samples, same order) with
the same classes. Their score columns follow the test dataset's class order:
the label file (``class_file``) order, or the ``class_subset`` order when
the test dataset sets one. ``--labels`` names these columns, one class a
line, in that order: pass the ``class_file`` (or the ``class_subset`` file
when one was set).
"""
import argparse
import sys
from typing import Dict, List


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 2)[2])
    parser.add_argument('dumps', nargs='+', metavar='DUMP',
                        help='pickles written by tools/test.py --dump')
    parser.add_argument('--weights', type=float, nargs='+',
                        help='one weight per dump (default: all 1)')
    parser.add_argument('--unseen', metavar='UNSEEN_FILE',
                        help='label file of the unseen classes (needs '
                        '--labels); adds ZSL and GZSL accuracies')
    parser.add_argument('--labels', metavar='LABEL_FILE',
                        help='class names of the score columns, one a line, '
                        'in the test dataset\'s class order')
    parser.add_argument('--out', metavar='JSON',
                        help='write the accuracies to this JSON file')
    args = parser.parse_args(argv)
    if args.weights is not None and len(args.weights) != len(args.dumps):
        parser.error(f'{len(args.weights)} --weights for {len(args.dumps)} '
                     'dumps')
    if (args.unseen is None) != (args.labels is None):
        parser.error('--unseen and --labels go together')
    return args


def format_table(rows: List[Dict], keys: List[str]) -> str:
    """One line per stream, one column per metric."""
    width = max(len(r['name']) for r in rows)
    head = f'{"stream":<{width}}  {"weight":>6}  ' + '  '.join(
        f'{k:>11}' for k in keys)
    lines = [head, '-' * len(head)]
    for r in rows:
        weight = '' if r['weight'] is None else f'{r["weight"]:g}'
        lines.append(f'{r["name"]:<{width}}  {weight:>6}  ' + '  '.join(
            f'{r["metrics"][k]:>11.4f}' for k in keys))
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    import numpy as np

    from vlalign.apis.zero_shot import write_json_atomic
    from vlalign.classes.label_map import (load_class_names,
                                            resolve_class_subset)
    from vlalign.evaluation.fusion import (fuse_scores, fusion_metrics,
                                           load_dumped_scores)
    from vlalign.utils.errors import DataError, VlalignError

    weights = args.weights or [1.0] * len(args.dumps)
    try:
        loaded = [load_dumped_scores(p) for p in args.dumps]
        scores = [s for s, _ in loaded]
        labels = loaded[0][1]
        fused = fuse_scores(scores, weights, [l for _, l in loaded],
                            names=args.dumps)
        seen_mask = None
        if args.unseen is not None:
            classes = load_class_names(args.labels)
            if len(classes) != fused.shape[1]:
                raise DataError(
                    f'{args.labels} names {len(classes)} classes but the '
                    f'dumps score {fused.shape[1]}: pass the test dataset\'s '
                    'class_file (or its class_subset file)')
            unseen = set(resolve_class_subset(args.unseen, classes,
                                              args.labels))
            seen_mask = np.array([c not in unseen for c in classes])
            if seen_mask.all() or not seen_mask.any():
                raise DataError(f'{args.unseen}: needs some but not all '
                                f'classes of {args.labels} as unseen')
        rows = [dict(name=p, weight=w, metrics=fusion_metrics(s, labels,
                                                              seen_mask))
                for p, w, s in zip(args.dumps, weights, scores)]
        rows.append(dict(name='fusion', weight=None,
                         metrics=fusion_metrics(fused, labels, seen_mask)))
    except VlalignError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1

    keys = list(rows[-1]['metrics'])
    print(f'{len(labels)} samples, {fused.shape[1]} classes'
          + ('' if seen_mask is None else
             f' ({int((~seen_mask).sum())} unseen)'))
    print(format_table(rows, keys))
    if args.out:
        write_json_atomic(args.out, dict(
            streams=[dict(dump=r['name'], weight=r['weight'], **r['metrics'])
                     for r in rows[:-1]],
            fusion=rows[-1]['metrics'], weights=weights,
            num_samples=int(len(labels)), num_classes=int(fused.shape[1])))
        print(f'results written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
