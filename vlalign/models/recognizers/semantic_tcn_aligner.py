"""Semantic TCN aligner: per-frame video features -> label text embeddings.

A dilated TCN over pre-extracted per-frame features (e.g. VideoMAE, 768-d)
followed by an MLP projector into a sentence-embedding space (e.g. MiniLM,
384-d). Each frame is trained to match the embedding of its label's
description, so the output ("enhanced features") carries the semantics of
the action being done; ``tools/export_features.py`` writes them per video.
"""
from typing import Any, Dict, List, Mapping, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor

from vlalign.models.losses.alignment import frame_cosine, masked_frame_mean
from vlalign.registry import LOSSES, MODELS

SegBatch = Mapping[str, Any]


@MODELS.register_module()
class SemanticTCNAligner(BaseModel):
    """Align per-frame features with label embeddings.

    Inputs are ``[B, T, D]`` features padded to the longest video, with the
    batch dict of :func:`vlalign.datasets.segmentation_features.
    pad_segmentation_batch` as ``data_samples`` (``mask`` ``[B, T]``,
    ``targets`` ``[B, T, E]``, ``labels`` ``[B, T]``, ``videos``).

    Args:
        backbone (dict): Temporal model config. Defaults to a
            :class:`DilatedTCN` 768 -> 512 -> 128 -> 64, dilations 1, 2, 4.
        projector (dict): Projector config. Defaults to a
            :class:`SemanticProjector` 64 -> 512 -> 384.
        loss (dict): Alignment loss config. Defaults to
            ``dict(type='AdaptiveAlignmentLoss', alpha=0.7)``.
        data_preprocessor (dict, optional): Defaults to ``None``
            (mmengine's ``BaseDataPreprocessor``: moves data to the device).
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self,
                 backbone: Optional[Dict] = None,
                 projector: Optional[Dict] = None,
                 loss: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone or dict(type='DilatedTCN'))
        self.projector = MODELS.build(projector or dict(
            type='SemanticProjector',
            in_channels=getattr(self.backbone, 'out_channels', 64)))
        self.loss_fn = LOSSES.build(
            loss or dict(type='AdaptiveAlignmentLoss', alpha=0.7))

    @staticmethod
    def _mask(inputs: Tensor, data_samples: Optional[SegBatch]) -> Optional[Tensor]:
        if isinstance(data_samples, Mapping) and 'mask' in data_samples:
            return data_samples['mask'].to(inputs.device).bool()
        return None

    def extract_feat(self, inputs: Tensor, mask: Optional[Tensor] = None,
                     stage: str = 'projector') -> Tensor:
        """Enhanced features.

        Args:
            inputs (Tensor): ``[B, T, D]``.
            mask (Tensor, optional): ``[B, T]``, True on real frames.
                Defaults to ``None`` (all real).
            stage (str): ``'projector'`` (in the text space, ``[B, T, E]``)
                or ``'backbone'`` (TCN output, ``[B, T, C]``). Defaults to
                ``'projector'``.

        Returns:
            Tensor: ``[B, T, C]``, zero on padded frames.
        """
        if stage not in ('backbone', 'projector'):
            raise ValueError(f'stage must be "backbone" or "projector", got '
                             f'"{stage}"')
        feats = self.backbone(inputs, mask)
        if stage == 'projector':
            feats = self.projector(feats)
            if mask is not None:
                feats = feats * mask.unsqueeze(-1).to(feats.dtype)
        return feats

    def forward(self, inputs: Tensor,
                data_samples: Optional[SegBatch] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor],
                                               List[BaseDataElement], Tensor]:
        """The mmaction2 three-mode contract.

        Returns:
            ``'loss'``: ``dict(loss_align=..., cos_sim=...)``;
            ``'predict'``: one :class:`BaseDataElement` per video with
            ``pred_embeddings`` ``[T_i, E]``, ``gt_embeddings`` ``[T_i, E]``
            (when targets are given), ``gt_labels`` ``[T_i]`` and ``video``;
            ``'tensor'``: the projected features ``[B, T, E]``.
        """
        mask = self._mask(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs, mask)
        if mode == 'loss':
            return self.loss(inputs, data_samples, mask)
        if mode == 'predict':
            return self.predict(inputs, data_samples, mask)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           f'predict and tensor mode')

    def loss(self, inputs: Tensor, data_samples: SegBatch,
             mask: Optional[Tensor]) -> Dict[str, Tensor]:
        if not isinstance(data_samples, Mapping) or 'targets' not in data_samples:
            raise ValueError('SemanticTCNAligner needs data_samples["targets"]'
                             ' [B, T, E] to compute a loss (configure the '
                             'dataset with an embedding_file)')
        pred = self.extract_feat(inputs, mask)
        target = data_samples['targets'].to(pred)
        loss = self.loss_fn(pred, target, mask)
        with torch.no_grad():
            cos = masked_frame_mean(frame_cosine(pred, target), mask)
        return dict(loss_align=loss, cos_sim=cos)

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: Optional[SegBatch],
                mask: Optional[Tensor]) -> List[BaseDataElement]:
        pred = self.extract_feat(inputs, mask)
        num, width = pred.shape[:2]
        samples = data_samples if isinstance(data_samples, Mapping) else {}
        lengths = (mask.sum(1).tolist() if mask is not None else [width] * num)
        out = []
        for i in range(num):
            n = int(lengths[i])
            item = BaseDataElement(pred_embeddings=pred[i, :n].cpu())
            if 'targets' in samples:
                item.gt_embeddings = samples['targets'][i, :n].cpu().float()
            if 'labels' in samples:
                item.gt_labels = samples['labels'][i, :n].cpu()
            if 'videos' in samples:
                item.set_metainfo(dict(video=samples['videos'][i]))
            out.append(item)
        return out
