"""A read-only HDF5 store of per-video features ``[T, D]`` with a key index.

One HDF5 file holds one dataset per video key; the list of keys (and each
video's frame count, the feature dimension and dtype) lives in a small JSON
file beside it, ``<file>.keys.json``, because listing keys through HDF5 walks
the whole file and is slow on large stores. The HDF5 handle is opened lazily,
once per process: a :class:`torch.utils.data.DataLoader` worker that receives
a pickled (or forked) store opens its own handle on first read instead of
sharing the parent's, which HDF5 does not allow.

Stores written by :func:`write_feature_store` keep every dataset contiguous
and uncompressed, and the index records where each one starts in the file;
reads then go through a read-only :class:`numpy.memmap` of the file (a
slice of ``[T, D]`` rows costs microseconds instead of an HDF5 lookup).
Other stores (compressed, chunked, or without offsets in the index) are read
through h5py.
"""
import json
import os
import warnings
from typing import Any, Dict, List, Optional

import numpy as np

from vlalign.utils.errors import ConfigError, DataError

INDEX_SUFFIX = '.keys.json'
INDEX_VERSION = 1


def default_index_file(path: str) -> str:
    """The sidecar key index of an HDF5 store: ``path + '.keys.json'``."""
    return path + INDEX_SUFFIX


def _import_h5py() -> Any:
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is a runtime dep
        raise ImportError('vlalign feature stores need h5py: '
                          '`pip install h5py`') from e
    return h5py


class FeatureStore:
    """Read-only HDF5 store of per-video features ``[T, D]``.

    One dataset per key; the key index is read from a sidecar JSON file
    (written by :func:`write_feature_store`). Without a sidecar the keys are
    listed from the HDF5 file itself, which is slow on large stores, and a
    warning says how to build the index.

    Args:
        path (str): The HDF5 file.
        index_file (str, optional): The sidecar key index. Defaults to
            ``path + '.keys.json'``.
        mmap (bool): Read contiguous datasets through a memory map when the
            index records their offsets. Defaults to ``True``.

    Raises:
        DataError: If ``path`` does not exist, or the index is malformed.
    """

    def __init__(self, path: str, index_file: Optional[str] = None,
                 mmap: bool = True) -> None:
        self.path = str(path)
        self.index_file = str(index_file or default_index_file(self.path))
        if not os.path.isfile(self.path):
            raise DataError(f'{self.path}: feature store (HDF5) not found')
        self._file = None
        self._mm = None
        self._pid: Optional[int] = None
        self._offsets: Optional[Dict[str, int]] = None
        self._dtype = np.dtype('float32')
        if os.path.isfile(self.index_file):
            self._load_index()
        else:
            warnings.warn(
                f'{self.index_file} not found: listing the keys of '
                f'{self.path} from HDF5 (slow on large stores); '
                'tools/data/build_feature_store.py writes the index')
            self._index_from_hdf5()
        self._rows = {k: i for i, k in enumerate(self._keys)}
        if not mmap:
            self._offsets = None

    # index -------------------------------------------------------------
    def _load_index(self) -> None:
        try:
            with open(self.index_file) as f:
                index = json.load(f)
            keys = [str(k) for k in index['keys']]
            frames = [int(n) for n in index['num_frames']]
            dim = int(index['dim'])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise DataError(f'{self.index_file}: malformed key index of '
                            f'{self.path} ({type(e).__name__}: {e}); expected '
                            'JSON with "keys", "num_frames" and "dim"') from e
        if len(keys) != len(frames):
            raise DataError(f'{self.index_file}: {len(keys)} keys but '
                            f'{len(frames)} "num_frames" entries')
        self._keys: List[str] = keys
        self._num_frames: Dict[str, int] = dict(zip(keys, frames))
        self._dim = dim
        offsets = index.get('offsets')
        if (isinstance(offsets, list) and len(offsets) == len(keys)
                and all(isinstance(o, int) for o in offsets)
                and index.get('file_size') == os.path.getsize(self.path)):
            self._offsets = dict(zip(keys, offsets))
            self._dtype = np.dtype(index.get('dtype', 'float32'))

    def _index_from_hdf5(self) -> None:
        h5py = _import_h5py()
        keys: List[str] = []
        frames: Dict[str, int] = {}
        dims = set()

        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                keys.append(name)
                frames[name] = int(obj.shape[0])
                dims.add(int(obj.shape[1]) if obj.ndim == 2 else -1)

        with h5py.File(self.path, 'r') as f:
            f.visititems(visit)
        if len(dims) > 1 or -1 in dims:
            raise DataError(f'{self.path}: features must all be [T, D] with '
                            f'one D, found dims {sorted(dims)}')
        self._keys = sorted(keys)
        self._num_frames = frames
        self._dim = dims.pop() if dims else 0

    # container protocol ------------------------------------------------
    @property
    def keys(self) -> List[str]:
        """list[str]: The stored keys, in index order."""
        return list(self._keys)

    @property
    def dim(self) -> int:
        """int: The feature dimension ``D``."""
        return self._dim

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(path={self.path!r}, '
                f'keys={len(self)}, dim={self.dim})')

    def check_dim(self, expected: int, what: str = 'config') -> None:
        """Raise :class:`ConfigError` unless the features are ``expected``-d.

        Args:
            expected (int): The dimension the model was configured for.
            what (str): What asked for it, quoted in the message. Defaults to
                ``'config'``.
        """
        if int(expected) != self.dim:
            raise ConfigError(
                f'{self.path}: features are {self.dim}-d (key '
                f'"{self._keys[0] if self._keys else "?"}") but the {what} '
                f'expects {int(expected)}-d')

    def num_frames(self, key: str) -> int:
        """int: The number of feature rows ``T`` of ``key``."""
        self._check_key(key)
        return self._num_frames[key]

    # reading -----------------------------------------------------------
    def _check_key(self, key: str) -> None:
        if key not in self._rows:
            raise DataError(f'{self.path}: no feature key "{key}" '
                            f'(the store holds {len(self)} keys)')

    def _handle(self) -> Any:
        pid = os.getpid()
        if self._file is None or self._pid != pid:
            # A handle inherited through fork must not be used (or closed)
            # by this process; drop it and open our own.
            h5py = _import_h5py()
            self._file = h5py.File(self.path, 'r')
            self._mm = None
            self._pid = pid
        return self._file

    def _memmap(self) -> np.ndarray:
        pid = os.getpid()
        if self._mm is None or self._pid != pid:
            # A plain ndarray view of the map: slicing an np.memmap object
            # costs several times more per call.
            self._mm = np.asarray(np.memmap(self.path, dtype=np.uint8,
                                            mode='r'))
            self._file = None
            self._pid = pid
        return self._mm

    def _mapped(self, key: str, start: int, end: int) -> np.ndarray:
        """Rows ``[start, end)`` of a contiguous dataset, from the map."""
        row = self._dim * self._dtype.itemsize
        begin = self._offsets[key] + start * row
        raw = self._memmap()[begin:begin + (end - start) * row]
        return raw.view(self._dtype).reshape(end - start, self._dim)

    def _dataset(self, key: str) -> Any:
        self._check_key(key)
        try:
            return self._handle()[key]
        except KeyError as e:
            raise DataError(f'{self.path}: no feature key "{key}" in the '
                            f'HDF5 file although {self.index_file} lists it; '
                            'rebuild the index') from e

    def get(self, key: str) -> np.ndarray:
        """The features of ``key``.

        Returns:
            np.ndarray: ``[T, D]`` float32.

        Raises:
            DataError: If the store has no ``key`` (names file and key).
        """
        if self._offsets is not None:
            self._check_key(key)
            return self._mapped(key, 0, self._num_frames[key]).astype(
                np.float32)
        return np.asarray(self._dataset(key)[()], dtype=np.float32)

    def read(self, key: str, start: int, end: int) -> np.ndarray:
        """Rows ``[start, end)`` of ``key``, reading only those from disk.

        Returns:
            np.ndarray: ``[end - start, D]`` float32.

        Raises:
            DataError: If ``key`` is missing or ``0 <= start < end <= T``
                does not hold.
        """
        n = self.num_frames(key)
        start, end = int(start), int(end)
        if not 0 <= start < end <= n:
            raise DataError(f'{self.path}: rows [{start}, {end}) out of '
                            f'range for key "{key}" with {n} frames')
        if self._offsets is not None:
            return self._mapped(key, start, end).astype(np.float32)
        return np.asarray(self._dataset(key)[start:end], dtype=np.float32)

    def window_mean(self, key: str, start: int, end: int) -> np.ndarray:
        """Mean of rows ``[start, end)`` of ``key``, ``[D]`` float32.

        Same as ``read(key, start, end).mean(0)`` without the copy of the
        rows (the mean is taken on the mapped rows directly).
        """
        if self._offsets is None:
            return self.read(key, start, end).mean(0)
        n = self.num_frames(key)
        start, end = int(start), int(end)
        if not 0 <= start < end <= n:
            raise DataError(f'{self.path}: rows [{start}, {end}) out of '
                            f'range for key "{key}" with {n} frames')
        return self._mapped(key, start, end).mean(0, dtype=np.float32)

    def close(self) -> None:
        """Close this process's handle (reopened on the next read)."""
        if self._file is not None and self._pid == os.getpid():
            self._file.close()
        self._file = None
        self._mm = None
        self._pid = None

    def __enter__(self) -> 'FeatureStore':
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        state['_file'] = None
        state['_mm'] = None
        state['_pid'] = None
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)


