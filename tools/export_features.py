"""Export enhanced per-frame features of a trained semantic TCN aligner.

Reads every ``<video>.npy`` ``(D, T)`` of a feature folder and writes
``<out-dir>/<video>.npy`` ``(C, T)`` (float32): the projector output in the
text embedding space (``--stage projector``, C = 384 for MiniLM) or the TCN
output (``--stage backbone``). Each file is written to a hidden temporary
file in ``--out-dir`` and moved into place with ``os.replace``, so a run
killed at any moment leaves only complete ``.npy`` files; temporary files a
killed run left behind are removed by the next run, and ``--skip-existing``
resumes it.

Example:
    python tools/export_features.py CONFIG CHECKPOINT --out-dir enhanced/ \
        [--features-dir data/x/features] [--stage projector] [--skip-existing]
"""
import argparse
import glob
import os
import os.path as osp
import sys
import time
import uuid
from typing import Dict, List, Optional

import numpy as np
import torch

TMP_SUFFIX = '.npy.part'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the aligner config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--out-dir', required=True,
                        help='folder of the enhanced (C, T) .npy files')
    parser.add_argument('--features-dir', default=None,
                        help='input (D, T) .npy folder (default: the '
                        "features of the config's test dataset)")
    parser.add_argument('--stage', choices=('projector', 'backbone'),
                        default='projector', help='which output to export')
    parser.add_argument('--skip-existing', action='store_true',
                        help='keep videos already exported (resume)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    return parser.parse_args(argv)


def save_npy_atomic(array: np.ndarray, path: str) -> None:
    """Write ``array`` to ``path`` so that ``path`` is never partial.

    The bytes go to a hidden ``.<name>.<id>.npy.part`` file in the same
    folder, are flushed and fsynced, then ``os.replace``-d onto ``path``. On
    an exception the temporary file is removed; after a SIGKILL it may stay
    behind (under a name no ``*.npy`` glob matches) until
    :func:`remove_stale_parts` runs.
    """
    folder = osp.dirname(osp.abspath(path))
    tmp = osp.join(folder,
                   f'.{osp.basename(path)[:-4]}.{uuid.uuid4().hex}{TMP_SUFFIX}')
    try:
        with open(tmp, 'wb') as f:
            np.save(f, array)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def remove_stale_parts(out_dir: str) -> int:
    """Remove temporary files of earlier, killed runs; return their count."""
    stale = glob.glob(osp.join(out_dir, f'.*{TMP_SUFFIX}'))
    for path in stale:
        os.remove(path)
    return len(stale)


def default_features_dir(cfg) -> str:
    ds = cfg.test_dataloader.dataset
    return osp.join(ds.data_root, ds.get('features_dir', 'features'))


@torch.no_grad()
def export(model: torch.nn.Module, features_dir: str, out_dir: str,
           stage: str = 'projector', skip_existing: bool = False,
           device: str = 'cpu') -> Dict[str, int]:
    """Export every video of ``features_dir``; return counts."""
    from vlalign.datasets.segmentation_features import load_feature_array
    videos = sorted(glob.glob(osp.join(features_dir, '*.npy')))
    if not videos:
        raise FileNotFoundError(f'no .npy feature file in {features_dir}')
    os.makedirs(out_dir, exist_ok=True)
    stale = remove_stale_parts(out_dir)
    if stale:
        print(f'removed {stale} temporary file(s) of an interrupted run',
              flush=True)
    done = skipped = 0
    start = time.perf_counter()
    for i, src in enumerate(videos, 1):
        name = osp.basename(src)
        dst = osp.join(out_dir, name)
        if skip_existing and osp.exists(dst):
            skipped += 1
            continue
        feats = torch.from_numpy(load_feature_array(src)).to(device)  # [T, D]
        out = model.extract_feat(feats[None], None, stage=stage)[0]    # [T, C]
        save_npy_atomic(out.T.contiguous().cpu().numpy().astype(np.float32),
                        dst)                                           # (C, T)
        done += 1
        print(f'[{i}/{len(videos)}] {name} {tuple(out.T.shape)} '
              f'{time.perf_counter() - start:.1f}s', flush=True)
    return dict(exported=done, skipped=skipped, total=len(videos))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    from mmengine.config import Config

    from vlalign.apis.inference import init_recognizer
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = init_recognizer(cfg, args.checkpoint, device=args.device)
    if not hasattr(model, 'extract_feat'):
        sys.exit(f'{type(model).__name__} has no extract_feat: not an '
                 f'aligner config')
    features_dir = args.features_dir or default_features_dir(cfg)
    counts = export(model, features_dir, args.out_dir, args.stage,
                    args.skip_existing, args.device)
    print(f"exported {counts['exported']}, skipped {counts['skipped']} of "
          f"{counts['total']} videos to {args.out_dir}", flush=True)


if __name__ == '__main__':
    main()
