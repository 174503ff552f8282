"""Compute the label-embedding caches a config's datasets read.

A dataset never builds a model, so the text encoder that embeds each label's
description is built here, above datasets and models, and the cache
(:mod:`vlalign.classes.label_embeddings`) is filled before the Runner builds
the datasets. ``tools/train.py`` and ``tools/test.py`` call
:func:`prepare_label_embeddings`.
"""
import copy
import inspect
import os.path as osp
from typing import Dict, Iterator, List, Mapping

from vlalign.classes.label_embeddings import load_label_embeddings


def _dataset_cfgs(cfg: Mapping) -> Iterator[Mapping]:
    """Every dataset config of the dataloaders, wrappers followed down."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        ds = loader.get('dataset') if isinstance(loader, Mapping) else None
        while isinstance(ds, Mapping):
            yield ds
            ds = ds.get('dataset')


def _defaults(dataset_type) -> Dict[str, object]:
    """The keyword defaults of a dataset class (its config may omit them)."""
    from vlalign.registry import DATASETS
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) \
        else dataset_type
    if not isinstance(cls, type):
        return {}
    return {name: p.default
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty}


def prepare_label_embeddings(cfg: Mapping) -> List[str]:
    """Fill the label-embedding cache of every dataset that names one.

    A dataset config takes part when it has an ``embedding_file`` and a
    ``text_encoder`` (:class:`~vlalign.datasets.SegmentationFeatureDataset`):
    its ``mapping_file`` gives the label -> description texts. Each distinct
    encoder is built once; a cache already keyed by that encoder and those
    texts is left as it is.

    Args:
        cfg (Mapping): The merged config.

    Returns:
        list[str]: The cache files checked or written.

    Raises:
        DataError: If a mapping file or cache is malformed.
    """
    from vlalign.datasets.segmentation_features import parse_mapping_file
    from vlalign.registry import MODELS

    encoders: Dict[str, object] = {}
    done: List[str] = []
    for ds in _dataset_cfgs(cfg):
        enc_cfg = ds.get('text_encoder')
        if not isinstance(enc_cfg, Mapping):
            continue
        args = dict(_defaults(ds.get('type')), **ds)
        if not args.get('embedding_file'):
            continue
        root = args.get('data_root') or ''
        cache = osp.join(root, args['embedding_file'])
        if cache in done:
            continue
        texts = parse_mapping_file(
            osp.join(root, args.get('mapping_file', 'mapping.txt')))
        enc_cfg = dict(enc_cfg)
        key = repr(sorted(enc_cfg.items()))
        if key not in encoders:
            encoder = MODELS.build(copy.deepcopy(enc_cfg))
            encoders[key] = encoder.eval()
        load_label_embeddings(cache, texts, enc_cfg, encoder=encoders[key])
        done.append(cache)
    return done
