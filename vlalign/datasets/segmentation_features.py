"""Per-frame video features in the MS-TCN layout, with semantic targets.

Layout (the folder names are arguments)::

    data_root/
      features/<video>.npy      float (D, T): D-dim feature of each of T frames
      groundTruth/<video>.txt   one label per line, T lines
      mapping.txt               one label a line: <label> "<description>"
      splits/<split>.bundle     one video a line (``<video>`` or ``<video>.txt``)
      label_embeddings.pth      cache {'embeddings': {label: Tensor[E]}, ...}

Each sample is ``dict(features=[T, D], labels=[T], targets=[T, E],
video=str)``; :func:`pad_segmentation_batch` pads a batch to its longest
video and adds the mask every loss and metric uses to ignore padding.
"""
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from torch import Tensor

from vlalign.registry import DATASETS, register_collate_fn
from vlalign.utils.errors import DataError

from vlalign.classes.label_embeddings import embedding_table, load_label_embeddings


def parse_mapping_file(path: str) -> Dict[str, str]:
    """Read ``<label> "<description>"`` lines into an ordered dict.

    The description may be quoted with ``"`` or ``'`` or left bare (then the
    rest of the line). Blank lines and lines starting with ``#`` are skipped.

    Args:
        path (str): The mapping file.

    Returns:
        dict[str, str]: Label -> description, in file order (the class order).

    Raises:
        DataError: Naming the file and line of a malformed or duplicate entry.
    """
    if not osp.isfile(path):
        raise DataError(f'mapping file {path} does not exist')
    texts: Dict[str, str] = {}
    with open(path, encoding='utf-8') as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                raise DataError(f'{path}:{lineno}: expected <label> '
                                f'"<description>", got {line!r}')
            label, desc = parts[0], parts[1].strip()
            if desc[:1] in '"\'':
                if len(desc) < 2 or desc[-1] != desc[0]:
                    raise DataError(f'{path}:{lineno}: unterminated quote in '
                                    f'the description of label {label!r}')
                desc = desc[1:-1].strip()
            if not desc:
                raise DataError(f'{path}:{lineno}: empty description for '
                                f'label {label!r}')
            if label in texts:
                raise DataError(f'{path}:{lineno}: label {label!r} is '
                                f'listed twice')
            texts[label] = desc
    if not texts:
        raise DataError(f'mapping file {path} holds no label')
    return texts


def read_frame_labels(path: str, label_to_index: Mapping[str, int]) -> np.ndarray:
    """Read a per-frame label file into label indices ``[T]`` (int64).

    Raises:
        DataError: Naming the file and line of a label not in the mapping.
    """
    if not osp.isfile(path):
        raise DataError(f'label file {path} does not exist')
    out: List[int] = []
    with open(path, encoding='utf-8') as f:
        for lineno, raw in enumerate(f, 1):
            label = raw.strip()
            if not label:
                continue
            if label not in label_to_index:
                raise DataError(f'{path}:{lineno}: label {label!r} is not in '
                                f'the mapping file')
            out.append(label_to_index[label])
    if not out:
        raise DataError(f'label file {path} holds no frame')
    return np.asarray(out, dtype=np.int64)


def read_bundle(path: str) -> List[str]:
    """Video names of a split bundle (``.txt`` suffixes dropped)."""
    if not osp.isfile(path):
        raise DataError(f'split bundle {path} does not exist')
    with open(path, encoding='utf-8') as f:
        names = [ln.strip() for ln in f if ln.strip()]
    names = [n[:-4] if n.endswith('.txt') else n for n in names]
    if not names:
        raise DataError(f'split bundle {path} lists no video')
    return names


def load_feature_array(path: str) -> np.ndarray:
    """Load a ``(D, T)`` feature file as float32 ``[T, D]``.

    Raises:
        DataError: If the file is unreadable, not 2-D or not finite.
    """
    try:
        arr = np.load(path)
    except Exception as exc:
        raise DataError(f'{path}: cannot load features: {exc}') from exc
    if arr.ndim != 2:
        raise DataError(f'{path}: features must be (D, T), got shape '
                        f'{arr.shape}')
    if not np.isfinite(arr).all():
        raise DataError(f'{path}: features hold NaN or inf values')
    return np.ascontiguousarray(arr.T, dtype=np.float32)


@DATASETS.register_module()
class SegmentationFeatureDataset(BaseDataset):
    """Per-frame features + labels (MS-TCN layout) with semantic targets.

    Args:
        ann_file (str): Split bundle, relative to ``data_root``, e.g.
            ``'splits/train.split1.bundle'``.
        data_root (str): Dataset folder.
        mapping_file (str): ``<label> "<description>"`` file, relative to
            ``data_root``. Defaults to ``'mapping.txt'``.
        features_dir (str): Feature folder. Defaults to ``'features'``.
        gt_dir (str): Label folder. Defaults to ``'groundTruth'``.
        embedding_file (str, optional): Label embedding cache, relative to
            ``data_root``. ``None`` gives no ``targets`` (labels only).
            Defaults to ``'label_embeddings.pth'``.
        text_encoder (dict, optional): Config of the encoder the cache must
            come from: a cache made by another encoder or from other texts is
            stale. The dataset never builds it;
            :func:`vlalign.apis.prepare_label_embeddings` (run by
            ``tools/train.py`` and ``tools/test.py``) computes the cache. Defaults to
            ``None`` (any cache covering every label is used).
        sample_rate (int): Keep every ``sample_rate``-th frame, as MS-TCN
            does for 50Salads. Defaults to ``1``.
        pipeline (list): Transforms applied to each sample. Defaults to ``()``.
        test_mode (bool): Defaults to ``False``.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 data_root: str,
                 mapping_file: str = 'mapping.txt',
                 features_dir: str = 'features',
                 gt_dir: str = 'groundTruth',
                 embedding_file: Optional[str] = 'label_embeddings.pth',
                 text_encoder: Optional[Dict] = None,
                 sample_rate: int = 1,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if sample_rate < 1:
            raise ValueError(f'sample_rate must be >= 1, got {sample_rate}')
        self.mapping_file = osp.join(data_root, mapping_file)
        self.texts = parse_mapping_file(self.mapping_file)
        self.classes: Tuple[str, ...] = tuple(self.texts)
        self.label_to_index = {lbl: i for i, lbl in enumerate(self.classes)}
        self.sample_rate = sample_rate
        self.label_embeddings: Optional[Tensor] = None
        if embedding_file is not None:
            cache = osp.join(data_root, embedding_file)
            self.label_embeddings = embedding_table(
                load_label_embeddings(cache, self.texts, text_encoder),
                self.classes)  # [L, E]
        metainfo = dict(classes=self.classes,
                        descriptions=tuple(self.texts.values()))
        metainfo.update(kwargs.pop('metainfo', None) or {})
        super().__init__(
            ann_file=ann_file, data_root=data_root, metainfo=metainfo,
            data_prefix=dict(features=features_dir, gt=gt_dir),
            pipeline=list(pipeline), test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[Dict[str, Any]]:
        """One entry per video of the bundle; missing files are errors."""
        data_list = []
        for lineno, video in enumerate(read_bundle(self.ann_file), 1):
            feat = osp.join(self.data_prefix['features'], f'{video}.npy')
            gt = osp.join(self.data_prefix['gt'], f'{video}.txt')
            for kind, path in (('features', feat), ('labels', gt)):
                if not osp.isfile(path):
                    raise DataError(f'{self.ann_file}:{lineno}: video '
                                    f'{video!r} has no {kind} file {path}')
            data_list.append(dict(video=video, feature_path=feat, gt_path=gt))
        return data_list

    def load_sample(self, info: Mapping[str, Any]) -> Dict[str, Any]:
        """Load one video: ``features [T, D]``, ``labels [T]``,
        ``targets [T, E]`` (if embeddings are configured), ``video``."""
        feats = load_feature_array(info['feature_path'])
        labels = read_frame_labels(info['gt_path'], self.label_to_index)
        if len(feats) != len(labels):
            raise DataError(
                f'video {info["video"]!r}: {info["feature_path"]} has '
                f'{len(feats)} frames but {info["gt_path"]} has {len(labels)} '
                f'labels')
        feats = feats[::self.sample_rate]
        labels = labels[::self.sample_rate]
        sample = dict(video=info['video'], features=torch.from_numpy(feats),
                      labels=torch.from_numpy(labels))
        if self.label_embeddings is not None:
            sample['targets'] = self.label_embeddings[sample['labels']]
        return sample

    def prepare_data(self, idx: int) -> Any:
        return self.pipeline(self.load_sample(self.get_data_info(idx)))


@register_collate_fn
def pad_segmentation_batch(batch: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Pad a batch of videos to its longest one and return the mask.

    Args:
        batch (list[dict]): Samples of :class:`SegmentationFeatureDataset`:
            ``features [T_i, D]``, ``labels [T_i]``, optional
            ``targets [T_i, E]``, ``video``.

    Returns:
        dict: ``inputs`` ``[B, T, D]`` (zeros on padding) and
        ``data_samples``, a dict of ``mask`` ``[B, T]`` (bool, True on real
        frames), ``labels`` ``[B, T]`` (``-1`` on padding), ``targets``
        ``[B, T, E]`` (if every sample has them), ``lengths`` ``[B]`` and
        ``videos`` (list of names).
    """
    if not batch:
        raise ValueError('pad_segmentation_batch got an empty batch')
    lengths = torch.tensor([len(s['features']) for s in batch])
    num, width = len(batch), int(lengths.max())
    dim = batch[0]['features'].shape[-1]
    inputs = batch[0]['features'].new_zeros(num, width, dim)
    mask = torch.zeros(num, width, dtype=torch.bool)
    labels = torch.full((num, width), -1, dtype=torch.long)
    with_targets = all('targets' in s for s in batch)
    targets = (batch[0]['targets'].new_zeros(
        num, width, batch[0]['targets'].shape[-1]) if with_targets else None)
    for i, s in enumerate(batch):
        n = int(lengths[i])
        inputs[i, :n] = s['features']
        mask[i, :n] = True
        if 'labels' in s:
            labels[i, :n] = s['labels']
        if targets is not None:
            targets[i, :n] = s['targets']
    samples = dict(mask=mask, labels=labels, lengths=lengths,
                   videos=[str(s.get('video', i)) for i, s in enumerate(batch)])
    if targets is not None:
        samples['targets'] = targets
    return dict(inputs=inputs, data_samples=samples)

