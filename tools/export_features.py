"""Export enhanced per-frame features of a trained semantic TCN aligner.

Reads every ``<video>.npy`` ``(D, T)`` of a feature folder and writes
``<out-dir>/<video>.npy`` ``(C, T)`` (float32): the projector output in the
text embedding space (``--stage projector``, C = 384 for MiniLM) or the TCN
output (``--stage backbone``). Each file is written to a hidden temporary
file in ``--out-dir`` and moved into place with ``os.replace``, so a run
killed at any moment leaves only complete ``.npy`` files; temporary files a
killed run left behind are removed by the next run, and ``--skip-existing``
resumes it.

What a run exported from is kept in ``<out-dir>/export_manifest.json``
(config, model, checkpoint and its SHA-256, stage, input folder), so a
folder never gets a silent mix of two runs: a folder holding ``.npy`` files
of another (or an unknown) run is refused unless ``--overwrite`` (which
first deletes them). An output folder equal to the input folder or inside
it is always refused, as is a checkpoint whose weights do not fit the model
(unless ``--allow-partial-load``).

Example:
    python tools/export_features.py CONFIG CHECKPOINT --out-dir enhanced/ \
        [--features-dir data/x/features] [--stage projector] [--skip-existing]
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import sys
import time
import uuid
from typing import Dict, List, Optional

import numpy as np
import torch

TMP_SUFFIX = '.npy.part'
MANIFEST = 'export_manifest.json'


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
                        help='keep videos already exported by the same run '
                        '(resume)')
    parser.add_argument('--overwrite', action='store_true',
                        help='delete the .npy files of another run in '
                        '--out-dir first')
    parser.add_argument('--allow-partial-load', action='store_true',
                        help='load a checkpoint whose weights do not all '
                        'fit the model (refused by default)')
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


def check_folders(features_dir: str, out_dir: str) -> None:
    """Refuse an output folder that would overwrite or mix with the inputs.

    Raises:
        DataError: If the input folder has no ``.npy`` file.
        ConfigError: If ``out_dir`` is the input folder, lies inside it, or
            is a file.
    """
    from vlalign.utils.errors import ConfigError, DataError
    if not osp.isdir(features_dir):
        raise DataError(f'--features-dir {features_dir} is no folder')
    if not glob.glob(osp.join(features_dir, '*.npy')):
        raise DataError(f'no .npy feature file in {features_dir}')
    src, dst = osp.realpath(features_dir), osp.realpath(out_dir)
    if osp.commonpath([src, dst]) == src:
        where = 'is' if src == dst else 'lies inside'
        raise ConfigError(
            f'--out-dir {out_dir} {where} the input folder {features_dir}: '
            'the export would overwrite (or be read back as) its own '
            'inputs; give another --out-dir')
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ConfigError(f'--out-dir {out_dir} is a file, not a folder')


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def run_manifest(cfg, checkpoint: str, stage: str,
                 features_dir: str) -> Dict[str, str]:
    """What makes two exports the same run: the model config, the
    checkpoint's content, the stage and the input folder."""
    model = json.dumps(cfg.model.to_dict(), sort_keys=True, default=str)
    return dict(config=osp.abspath(cfg.filename) if cfg.filename else '',
                model_sha256=hashlib.sha256(model.encode()).hexdigest(),
                checkpoint=osp.abspath(checkpoint),
                checkpoint_sha256=_sha256(checkpoint), stage=stage,
                features_dir=osp.realpath(features_dir))


_SAME_RUN = ('model_sha256', 'checkpoint_sha256', 'stage', 'features_dir')


def check_same_run(out_dir: str, manifest: Dict[str, str],
                   overwrite: bool) -> List[str]:
    """The ``.npy`` files of ``out_dir`` an ``--overwrite`` must delete.

    Returns:
        list[str]: Files of another run to delete (only with
        ``overwrite``); empty for a fresh folder or the same run.

    Raises:
        ConfigError: If the folder holds ``.npy`` files of another or an
            unknown run and ``overwrite`` is False.
    """
    from vlalign.utils.errors import ConfigError
    existing = sorted(glob.glob(osp.join(out_dir, '*.npy')))
    if not existing:
        return []
    path = osp.join(out_dir, MANIFEST)
    try:
        with open(path, encoding='utf-8') as f:
            previous = json.load(f)
    except (OSError, ValueError):
        previous = None
    if isinstance(previous, dict):
        differ = [k for k in _SAME_RUN if previous.get(k) != manifest[k]]
        if not differ:
            return []
        why = 'of another run (' + '; '.join(
            f'{k}: {previous.get(k)} there, {manifest[k]} now'
            for k in differ) + ')'
    else:
        why = f'of an unknown run (no readable {MANIFEST})'
    if overwrite:
        return existing
    raise ConfigError(
        f'--out-dir {out_dir} holds {len(existing)} .npy file(s) {why}; '
        'mixing them with this export would give a folder of two models. '
        'Give another --out-dir, or --overwrite to delete them first')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config

    from vlalign.apis.inference import init_recognizer
    from vlalign.apis.preflight import check_cfg_options
    from vlalign.utils.atomic_io import atomic_open
    from vlalign.utils.errors import ConfigError, VlalignError
    try:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            check_cfg_options(cfg, args.cfg_options, args.config)
            cfg.merge_from_dict(args.cfg_options)
        features_dir = args.features_dir or default_features_dir(cfg)
        check_folders(features_dir, args.out_dir)
        if not osp.isfile(args.checkpoint):
            raise ConfigError(f'checkpoint {args.checkpoint} does not exist')
        manifest = run_manifest(cfg, args.checkpoint, args.stage,
                                features_dir)
        stale = check_same_run(args.out_dir, manifest, args.overwrite)
        model = init_recognizer(cfg, args.checkpoint, device=args.device,
                                allow_partial_load=args.allow_partial_load)
        if not hasattr(model, 'extract_feat'):
            raise ConfigError(f'{args.config}: {type(model).__name__} has '
                              'no extract_feat: not an aligner config')
        # Only now, with every check passed, is the folder touched.
        for path in stale:
            os.remove(path)
        if stale:
            print(f'--overwrite: deleted {len(stale)} .npy file(s) of another '
                  f'run in {args.out_dir}', flush=True)
        with atomic_open(osp.join(args.out_dir, MANIFEST), 'w') as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
        counts = export(model, features_dir, args.out_dir, args.stage,
                        args.skip_existing, args.device)
    except VlalignError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f'error: interrupted (Ctrl-C); the files in {args.out_dir} '
              'are complete: add --skip-existing to resume', file=sys.stderr)
        return 130
    print(f"exported {counts['exported']}, skipped {counts['skipped']} of "
          f"{counts['total']} videos to {args.out_dir}", flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
