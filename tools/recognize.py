"""Rank any label texts for pose sequences of a PoseDataset pickle.

    python tools/recognize.py CONFIG CHECKPOINT POSES.pkl \\
        --labels "jump up" "sit down" ... | --label-file LABELS.txt \\
        [--split test] [--samples 0 5 frame_dir ...] [--top-k 3]

A demo of ``vlalign.apis.zero_shot_recognize``: for each chosen sample it
prints the best labels with their probabilities (and the annotated label
when the pickle's labels are named by ``--label-file``).
"""
import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    from vlalign.utils.cli import positive_int
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('poses', help='PoseDataset pickle')
    texts = parser.add_mutually_exclusive_group(required=True)
    texts.add_argument('--labels', nargs='+', help='label texts to rank')
    texts.add_argument('--label-file', help='label file (one name a line); '
                       'also names the annotated labels')
    parser.add_argument('--split', help='split of the pickle')
    parser.add_argument('--samples', nargs='+', default=['0'],
                        help='sample indices or frame_dirs (default: 0)')
    parser.add_argument('--top-k', type=positive_int, default=3,
                        help='how many labels to print per sample (>= 1)')
    parser.add_argument('--allow-partial-load', action='store_true',
                        help='load a checkpoint whose weights do not all '
                        'fit the model (refused by default)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import vlalign  # noqa: F401
    from vlalign.apis import init_recognizer, zero_shot_recognize
    from vlalign.classes.label_map import load_class_names
    from vlalign.datasets.pose_io import load_pose_annotations
    from vlalign.utils.errors import VlalignError

    try:
        annos = load_pose_annotations(args.poses, args.split)
        labels = (load_class_names(args.label_file) if args.label_file
                  else args.labels)
        repeated = sorted({t for t in labels if labels.count(t) > 1})
        if repeated:  # label files refuse repeats themselves
            raise VlalignError(f'--labels: {repeated} given more than once')
        by_name = {a.get('frame_dir'): i for i, a in enumerate(annos)}
        chosen = []
        for s in args.samples:
            if s in by_name:
                chosen.append(by_name[s])
            elif s.isdigit() and int(s) < len(annos):
                chosen.append(int(s))
            else:
                raise VlalignError(f'{args.poses}: no sample "{s}" (give an '
                                   f'index < {len(annos)} or a frame_dir)')
        model = init_recognizer(args.config, args.checkpoint,
                                allow_partial_load=args.allow_partial_load)
        for i in chosen:
            ann = annos[i]
            ranked = zero_shot_recognize(model, ann, labels, top_k=args.top_k)
            truth = ''
            if args.label_file and 0 <= ann.get('label', -1) < len(labels):
                truth = f' (annotated: {labels[ann["label"]]})'
            print(f'{ann.get("frame_dir", i)}{truth}')
            for name, prob in ranked:
                print(f'  {prob:6.3f}  {name}')
    except VlalignError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('error: interrupted (Ctrl-C)', file=sys.stderr)
        return 130
    return 0


if __name__ == '__main__':
    sys.exit(main())
