"""CLIP on precomputed features: video features meet narration embeddings."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor

from vlalign.registry import LOSSES, MODELS
from vlalign.utils.errors import ConfigError

from ..layers.logit_scale import LogitScale


@MODELS.register_module()
class FeatureCLIP(BaseModel):
    """Align precomputed video features with precomputed text embeddings.

    Two projection MLPs map video features ``[B, D]`` and sentence
    embeddings ``[B, C]`` into one space; a learnable logit scale
    (:class:`~vlalign.models.layers.LogitScale`, initialised at
    ``log(1 / 0.07)``, kept in ``[0, log 100]``) scales their similarities,
    and a symmetric InfoNCE over the batch of all ranks
    (:class:`~vlalign.models.losses.VideoTextContrastiveLoss`, one-hot
    targets: narrations are pairs, not classes) trains both.

    Two similarity settings:

    - vlalign's default, CLIP-style: L2-normalised embeddings, scale
      ``exp(s)`` clamped in the forward pass (``normalize=True``,
      ``logit_scale_mode='exp'``);
    - the original Ego4D notebook: unnormalised projections multiplied by
      the raw parameter ``s`` (about 2.66 at the start), which
      :class:`~vlalign.engine.hooks.LogitScaleClampHook` clamps in place
      after each step (``normalize=False``, ``logit_scale_mode='raw'``).

    Inputs are a dict: ``video`` ``[B, D]`` always; ``text`` ``[B, C]`` for
    pairs (loss, retrieval); ``class_text`` ``[K, C]`` for zero-shot
    classification, one prompt embedding per class.

    Args:
        visual_proj (dict): Config of the video projection (``ProjectionMLP``
            with ``in_channels = D``).
        text_proj (dict): Config of the text projection (``in_channels = C``).
        loss (dict): Contrastive loss config. Defaults to
            ``dict(type='VideoTextContrastiveLoss', label_aware=False)``.
        init_temperature (float): Defaults to ``0.07``.
        max_logit_scale (float): Defaults to ``100``.
        normalize (bool): L2-normalise both embeddings. Defaults to ``True``.
        logit_scale_mode (str): ``'exp'`` or ``'raw'``, see
            :class:`~vlalign.models.layers.LogitScale`. Defaults to
            ``'exp'``.
        data_preprocessor (dict, optional): Defaults to mmengine's
            ``BaseDataPreprocessor`` (moves tensors to the device).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, visual_proj: Dict, text_proj: Dict,
                 loss: Optional[Dict] = None,
                 init_temperature: float = 0.07,
                 max_logit_scale: float = 100.0,
                 normalize: bool = True,
                 logit_scale_mode: str = 'exp',
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.visual_proj = MODELS.build(visual_proj)
        self.text_proj = MODELS.build(text_proj)
        out_v = getattr(self.visual_proj, 'out_channels', None)
        out_t = getattr(self.text_proj, 'out_channels', None)
        if out_v is not None and out_t is not None and out_v != out_t:
            raise ConfigError(f'visual_proj.out_channels={out_v} differs '
                              f'from text_proj.out_channels={out_t}')
        try:
            self.logit_scale = LogitScale(init_temperature, max_logit_scale,
                                          mode=logit_scale_mode)
        except ValueError as e:
            raise ConfigError(f'FeatureCLIP: {e}') from None
        self.normalize = normalize
        self.loss_fn = LOSSES.build(
            loss or dict(type='VideoTextContrastiveLoss', label_aware=False))

    @property
    def feature_dim(self) -> Optional[int]:
        """int: ``D`` the visual projection takes."""
        return getattr(self.visual_proj, 'in_channels', None)

    def _check_width(self, x: Tensor, proj: torch.nn.Module,
                     name: str) -> None:
        want = getattr(proj, 'in_channels', None)
        if want is not None and x.shape[-1] != want:
            raise ConfigError(f'inputs["{name}"] is {x.shape[-1]}-d but the '
                              f'model expects {want}-d '
                              f'({type(proj).__name__}.in_channels)')

    def _embed(self, x: Tensor) -> Tensor:
        return F.normalize(x, dim=-1) if self.normalize else x

    def encode_video(self, video: Tensor) -> Tensor:
        """``[B, D]`` features -> ``[B, E]`` embeddings (L2-normalised when
        ``normalize``)."""
        self._check_width(video, self.visual_proj, 'video')
        return self._embed(self.visual_proj(video))

    def encode_text(self, text: Tensor) -> Tensor:
        """``[N, C]`` sentence embeddings -> ``[N, E]`` embeddings
        (L2-normalised when ``normalize``)."""
        self._check_width(text, self.text_proj, 'text')
        return self._embed(self.text_proj(text))

    def forward(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], List,
                                                Tensor]:
        """mmaction2's three-mode contract.

        Args:
            inputs (dict): ``video`` ``[B, D]``, and ``text`` ``[B, C]`` or
                ``class_text`` ``[K, C]``.
            data_samples (list, optional): One per clip.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.

        Returns:
            dict | list | Tensor: Losses (``loss_v2t``, ``loss_t2v`` and the
            logged ``logit_scale``); data samples (``video_emb`` and
            ``text_emb`` for pairs, ``pred_score`` ``[K]`` for classes); or
            the video embeddings ``[B, E]``.
        """
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.encode_video(inputs['video'])
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def loss(self, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Symmetric InfoNCE of ``video`` row ``i`` with ``text`` row ``i``."""
        if 'text' not in inputs:
            raise ConfigError('FeatureCLIP trains on video/text pairs: '
                              'inputs has no "text" (a classification set '
                              'cannot be a training set)')
        video = self.encode_video(inputs['video'])
        text = self.encode_text(inputs['text'])
        scale = self.logit_scale()
        losses = self.loss_fn(video, text, scale)
        losses['logit_scale'] = scale.detach()
        return losses

    @torch.no_grad()
    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[List] = None) -> List:
        """Embeddings for retrieval, or class scores for zero-shot.

        With ``class_text`` ``[K, C]`` each sample gets ``pred_score``
        ``softmax(s * v @ t^T)`` ``[K]`` (mmaction2's ``AccMetric`` reads
        it); otherwise it gets ``video_emb`` (and ``text_emb`` if ``text``
        is given), ``[E]`` each, for
        :class:`~vlalign.evaluation.RetrievalMetric`.
        """
        video = self.encode_video(inputs['video'])
        n = video.shape[0]
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in range(n)]
        if 'class_text' in inputs:
            classes = self.encode_text(inputs['class_text'])
            scores = (self.logit_scale() * video @ classes.t()).softmax(-1)
            for sample, score in zip(data_samples, scores):
                if hasattr(sample, 'set_pred_score'):
                    sample.set_pred_score(score)
                else:
                    sample.pred_score = score
            return data_samples
        text = self.encode_text(inputs['text']) if 'text' in inputs else None
        for i, sample in enumerate(data_samples):
            sample.video_emb = video[i]
            if text is not None:
                sample.text_emb = text[i]
        return data_samples
