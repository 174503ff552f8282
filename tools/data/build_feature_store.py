"""Pack per-video feature files (``.pt`` / ``.npy``, ``[T, D]``) into one HDF5
store with its key index (``<out>.keys.json``).

The key of a video is its file name without the extension (e.g. the Ego4D
video uid). Files are read one at a time, so memory stays at one video.

Example:
    python tools/data/build_feature_store.py \
        data/ego4d/omnivore_video_swinl data/ego4d/omnivore_video_swinl.h5 \
        --expected-dim 1536
"""
import argparse
import os
import sys
import time
from typing import Iterator, List, Optional, Tuple

import numpy as np

from vlalign.data_prep.writers import write_feature_store
from vlalign.utils.errors import ConfigError, DataError

SUFFIXES = ('.pt', '.pth', '.npy')


def list_feature_files(src_dir: str) -> List[str]:
    """Sorted feature files directly in ``src_dir``."""
    if not os.path.isdir(src_dir):
        raise DataError(f'{src_dir} is not a directory')
    files = sorted(os.path.join(src_dir, n) for n in os.listdir(src_dir)
                   if n.endswith(SUFFIXES))
    if not files:
        raise DataError(f'{src_dir} holds no {"/".join(SUFFIXES)} file')
    return files


def load_features(path: str) -> np.ndarray:
    """One video's features ``[T, D]`` from a ``.pt`` or ``.npy`` file."""
    try:
        if path.endswith('.npy'):
            arr = np.load(path)
        else:
            import torch
            arr = torch.load(path, map_location='cpu', weights_only=True)
            arr = arr.float().numpy() if torch.is_tensor(arr) else arr
    except Exception as e:  # noqa: BLE001 - any loader error names the file
        raise DataError(f'{path}: cannot read features ({e})') from e
    arr = np.asarray(arr)
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise DataError(f'{path}: features of shape {tuple(arr.shape)}, '
                        'expected [T, D]')
    return arr


def iter_items(files: List[str], progress: bool
               ) -> Iterator[Tuple[str, np.ndarray]]:
    if progress:
        from mmengine.utils import track_iter_progress
        files = track_iter_progress(files, file=sys.stderr)
    for path in files:
        key = os.path.splitext(os.path.basename(path))[0]
        yield key, load_features(path)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src_dir', help='folder of <key>.pt / <key>.npy')
    parser.add_argument('out', help='HDF5 file to write')
    parser.add_argument('--expected-dim', type=int, default=None,
                        help='reject features of another width D')
    parser.add_argument('--dtype', default='float32',
                        choices=('float32', 'float16'),
                        help='storage dtype (reads return float32)')
    parser.add_argument('--compression', default=None, choices=('gzip', ),
                        help='smaller file, but reads go through HDF5 '
                        '(no memory map) and are much slower')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    files = list_feature_files(args.src_dir)
    write_feature_store(iter_items(files, not args.no_progress), args.out,
                        dtype=args.dtype, compression=args.compression,
                        expected_dim=args.expected_dim)
    size = os.path.getsize(args.out) / 2**20
    print(f'Wrote {args.out} ({len(files)} videos, {size:.1f} MiB) and '
          f'{args.out}.keys.json in {time.perf_counter() - start:.1f}s')


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status (1 on bad input, nothing
    written)."""
    args = parse_args(argv)
    try:
        run(args)
    except (DataError, ConfigError, OSError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
