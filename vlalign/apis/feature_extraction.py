"""Stage 1 of the two-stage protocol: write a trained skeleton encoder's
features in the published layout (:mod:`vlalign.datasets.zsl_features`).

Works with mmaction2's ``RecognizerGCN`` (ST-GCN / ST-GCN++ backbones,
``[N, M, C, T, V]``), ``Recognizer3D`` (PoseC3D, ``[N, C, T, H, W]``) and
vlalign's text-aligned recognizers (their video encoder's per-frame
features ``[N, T, C]``). Per sample the clips of the test pipeline are
averaged; ``[N, T, C]`` per-frame features are kept with ``frames=True``
and pooled over time into ``[N, C]``.

Splits, as SynSE ships them: ``train`` = the protocol's training split,
seen-class samples; ``ztest`` = the test split, unseen-class samples;
``gtest`` = the test split, every sample. Labels are global (rows of the
protocol's label file).

Features are computed in chunks; each chunk is written atomically under
``<out>/.partial/`` and a rerun with the same config, checkpoint and
protocol skips the chunks it finds (resume). A split's files replace their
chunks when it is complete; ``meta.json`` comes last.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config

from vlalign.classes.label_map import load_class_names
from vlalign.classes.protocols import load_protocol
from vlalign.data_prep.writers import write_zsl_feature_file
from vlalign.datasets.zsl_features import (META_FILE, SPLIT_FILES,
                                           ZSLFeatureSplit, frames_file)
from vlalign.utils.atomic_io import atomic_open, atomic_path
from vlalign.utils.errors import ConfigError, DataError

PARTIAL = '.partial'


def frame_features(model: torch.nn.Module,
                   inputs: torch.Tensor) -> torch.Tensor:
    """Per-frame features ``[B * K, T, C]`` of a batch ``[B, K, ...]``.

    Raises:
        ConfigError: For a model of no known kind.
    """
    flat = inputs.flatten(0, 1)
    if hasattr(model, 'video_encoder'):  # vlalign's text-aligned recognizers
        return model.video_encoder(flat)
    if not hasattr(model, 'backbone'):
        raise ConfigError(f'{type(model).__name__}: cannot extract features '
                          '(no backbone or video_encoder)')
    feat = model.backbone(flat)
    if isinstance(feat, (tuple, list)):
        feat = feat[-1]
    if feat.dim() == 5 and type(model).__name__ == 'RecognizerGCN':
        return feat.mean(dim=(1, 4)).transpose(1, 2)  # [N, M, C, T, V]
    if feat.dim() == 5:
        return feat.mean(dim=(3, 4)).transpose(1, 2)  # [N, C, T, H, W]
    raise ConfigError(f'{type(model).__name__}: backbone output of shape '
                      f'{tuple(feat.shape)} is neither [N, M, C, T, V] nor '
                      '[N, C, T, H, W]')


def _fingerprint(config: str, checkpoint: str, protocol: str,
                 frames: bool) -> str:
    stat = os.stat(checkpoint)
    payload = json.dumps([osp.abspath(config), osp.abspath(checkpoint),
                          stat.st_size, int(stat.st_mtime), protocol,
                          bool(frames)])
    return hashlib.sha1(payload.encode()).hexdigest()


def _split_dataset(cfg: Config, data_split: str, classes_in_file: List[str]):
    """The config's test dataset on ``data_split`` with every class."""
    from vlalign.registry import DATASETS
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.pop('class_subset', None)
    ds_cfg.update(split=data_split, test_mode=True)
    dataset = DATASETS.build(ds_cfg)
    names = list(dataset.metainfo.get('classes') or classes_in_file)
    return dataset, names


def extract_features(config: str, checkpoint: str, protocol: str, out: str,
                     frames: bool = False, batch_size: int = 16,
                     chunk_size: int = 256, device: str = 'cpu',
                     splits: Sequence[str] = tuple(SPLIT_FILES),
                     train_split: Optional[str] = None,
                     test_split: Optional[str] = None,
                     cfg_options: Optional[Dict] = None,
                     log: Callable[[str], None] = print) -> Dict:
    """Write ``train``/``ztest``/``gtest`` features of a protocol.

    Args:
        config (str): The stage-1 config (its test dataset and pipeline
            are used for every split, so no augmentation is applied).
        checkpoint (str): Its trained checkpoint.
        protocol (str): A protocol name or folder.
        out (str): The feature folder.
        frames (bool): Also write ``<split>_frames.npy``.
        train_split / test_split (str, optional): Data splits of the pickle;
            default the protocol's ``train_split`` / ``test_split``.

    Returns:
        dict: The ``meta.json`` content.
    """
    from mmengine.dataset import pseudo_collate

    from .inference import init_recognizer
    proto = load_protocol(protocol)
    train_split = train_split or proto.train_split
    test_split = test_split or proto.test_split
    if not train_split or not test_split:
        raise ConfigError(f'protocol {proto.name} names no train_split / '
                          'test_split: pass them')
    model = init_recognizer(config, checkpoint, device=device,
                            cfg_options=cfg_options)
    cfg = model.cfg
    label_space = load_class_names(proto.label_file) if proto.label_file \
        else list(proto.classes)
    seen = {label_space.index(c) for c in proto.seen}
    unseen = {label_space.index(c) for c in proto.unseen}
    partial = osp.join(out, PARTIAL)
    os.makedirs(partial, exist_ok=True)
    fp = _fingerprint(config, checkpoint, proto.root, frames)
    fp_file = osp.join(partial, 'fingerprint.txt')
    if osp.isfile(fp_file) and open(fp_file).read().strip() != fp:
        raise ConfigError(f'{partial} holds chunks of another config, '
                          'checkpoint or protocol: remove it to start over')
    with atomic_open(fp_file, 'w') as f:
        f.write(fp)
    plan = dict(train=(train_split, seen), ztest=(test_split, unseen),
                gtest=(test_split, seen | unseen))
    meta = dict(config=osp.abspath(config), checkpoint=osp.abspath(checkpoint),
                protocol=proto.name, protocol_root=proto.root,
                classes=label_space, seen=list(proto.seen),
                unseen=list(proto.unseen), splits={})
    for split in splits:
        data_split, keep = plan[split]
        dataset, file_classes = _split_dataset(cfg, data_split, label_space)
        proto.check_label_file(cfg.test_dataloader.dataset.class_file)
        to_global = np.array([label_space.index(c) for c in file_classes])
        labels = np.array([to_global[int(dataset.get_data_info(i)['label'])]
                           for i in range(len(dataset))], dtype=np.int64)
        rows = np.flatnonzero(np.isin(labels, sorted(keep)))
        if len(rows) == 0:
            ann = cfg.test_dataloader.dataset.ann_file
            raise DataError(f'{data_split} of {ann} has no sample for split '
                            f'{split}')
        log(f'{split}: {len(rows)} samples of {data_split}')
        chunk_dir = osp.join(partial, split)
        os.makedirs(chunk_dir, exist_ok=True)
        start_t = time.time()
        feats, per_frame = [], []
        for c0 in range(0, len(rows), chunk_size):
            chunk_file = osp.join(chunk_dir, f'{c0:08d}.npz')
            idx = rows[c0:c0 + chunk_size]
            if not osp.isfile(chunk_file):
                pooled, fr = _run_chunk(model, dataset, idx, batch_size,
                                        pseudo_collate)
                with atomic_path(chunk_file) as tmp:
                    np.savez(tmp, pooled=pooled, frames=fr)
            with np.load(chunk_file) as z:
                feats.append(z['pooled'])
                per_frame.append(z['frames'])
            done = min(c0 + chunk_size, len(rows))
            log(f'  {split}: {done}/{len(rows)} '
                f'({time.time() - start_t:.0f} s)')
        data = ZSLFeatureSplit(np.concatenate(feats), labels[rows],
                               np.concatenate(per_frame) if frames else None)
        f_name, l_name = SPLIT_FILES[split]
        write_zsl_feature_file(out, f_name, data.features)
        write_zsl_feature_file(out, l_name, data.labels)
        if frames:
            write_zsl_feature_file(out, frames_file(split), data.frames)
        meta['splits'][split] = dict(data_split=data_split,
                                     samples=int(len(rows)),
                                     shape=list(data.features.shape))
        shutil.rmtree(chunk_dir, ignore_errors=True)
    with atomic_open(osp.join(out, META_FILE), 'w') as f:
        json.dump(meta, f, indent=2)
    shutil.rmtree(partial, ignore_errors=True)
    return meta


@torch.no_grad()
def _run_chunk(model, dataset, idx, batch_size, collate):
    """Pooled ``[n, C]`` and per-frame ``[n, T, C]`` features of rows
    ``idx``, clips averaged."""
    pooled, frames = [], []
    for b0 in range(0, len(idx), batch_size):
        batch = collate([dataset[int(i)] for i in idx[b0:b0 + batch_size]])
        data = model.data_preprocessor(batch, False)
        inputs = data['inputs']
        fr = frame_features(model, inputs)  # [B * K, T, C]
        fr = fr.view(inputs.shape[0], inputs.shape[1], *fr.shape[1:]).mean(1)
        frames.append(fr.float().cpu().numpy())
        pooled.append(fr.mean(1).float().cpu().numpy())
    return np.concatenate(pooled), np.concatenate(frames)
