"""Shared logic of every video-text alignment recognizer."""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.utils import OptSampleList, SampleList
from mmengine.model import BaseModel
from torch import Tensor, nn

from vlalign.classes.class_texts import (expand_class_texts,
                                          get_prompt_templates,
                                          load_class_texts, merge_class_texts)
from vlalign.registry import MODELS

ForwardResults = Union[Dict[str, Tensor], SampleList, Tensor]


class BaseTextAlignRecognizer(BaseModel, metaclass=ABCMeta):
    """Base class of recognizers that classify by aligning video with text.

    Follows mmaction2's three-mode contract ``forward(inputs, data_samples,
    mode)`` with ``mode in ('loss', 'predict', 'tensor')``. Subclasses define
    the training loss (:meth:`loss`) and how clips are scored against class
    texts (:meth:`score_classes`); this class owns the encoders, the class
    texts and their cache, clip averaging and prediction packing.

    Class names come from the dataset (``metainfo['classes']``, set by
    :class:`vlalign.engine.ClassTextsHook` before training and before each
    evaluation run) or from ``class_texts`` here. Class text embeddings are
    computed once per evaluation run and cached until the next training
    step, so the same model scores seen or unseen classes alike.

    Args:
        video_encoder (dict): Config of a module mapping ``inputs`` to
            per-frame features ``[N, T, C]`` (e.g. ``ViseceVideoEncoder``).
        text_encoder (dict): Config of a text encoder (``BertTextEncoder``).
        class_texts (list[str], optional): Class names, index = label.
            Defaults to ``None`` (set from the dataset).
        templates (str | list[str]): Prompt templates with one ``{}``, or a
            name of :data:`vlalign.classes.class_texts.PROMPT_SETS`; several
            are an ensemble (mean of normalised embeddings). Defaults to
            ``('{}', )``.
        class_text_sources (list, optional): Per-class descriptions joining
            the ensemble: text files (GAP part descriptions, paragraphs,
            synonyms; see :func:`~vlalign.datasets.load_class_texts`),
            ``{name: [texts]}`` dicts, or lists of them merged into one
            (:func:`~vlalign.classes.class_texts.merge_class_texts`, for
            several datasets). Every class scored needs an entry.
            Defaults to ``None`` (names only).
        text_chunk_size (int): Texts encoded per forward when embedding many
            class texts. Defaults to ``256``.
        data_preprocessor (dict, optional): Defaults to mmaction2's
            ``ActionDataPreprocessor``.
        test_cfg (dict, optional): ``average_clips`` in ``('prob', 'score')``.
            Defaults to ``dict(average_clips='prob')``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 video_encoder: Dict,
                 text_encoder: Dict,
                 class_texts: Optional[Sequence[str]] = None,
                 templates: Union[str, Sequence[str]] = ('{}', ),
                 class_text_sources: Optional[Sequence[Union[str, Dict]]] = None,
                 text_chunk_size: int = 256,
                 data_preprocessor: Optional[Dict] = None,
                 train_cfg: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.video_encoder = MODELS.build(video_encoder)
        self.text_encoder = MODELS.build(text_encoder)
        self.templates = get_prompt_templates(templates)
        # Files are read now: a bad description file fails at build time. A
        # list is one source merged from several (one per training dataset).
        self.class_text_sources = [
            load_class_texts(s) if isinstance(s, str) else
            merge_class_texts(s) if isinstance(s, (list, tuple)) else dict(s)
            for s in (class_text_sources or [])
        ]
        self.text_chunk_size = text_chunk_size
        self.train_cfg = train_cfg or {}
        self.test_cfg = dict(average_clips='prob')
        self.test_cfg.update(test_cfg or {})
        self._class_texts: Optional[Tuple[str, ...]] = None
        self._class_cache: Optional[Tensor] = None
        if class_texts is not None:
            self.set_class_texts(class_texts)

    # ------------------------------------------------------------------ text
    @property
    def class_texts(self) -> Tuple[str, ...]:
        if self._class_texts is None:
            raise RuntimeError(
                f'{type(self).__name__} has no class texts: give the dataset '
                'class names (metainfo "classes", e.g. PoseTextDataset with '
                'class_file) and keep ClassTextsHook in custom_hooks, or pass '
                'class_texts to the model.')
        return self._class_texts

    def get_class_texts(self) -> Optional[Tuple[str, ...]]:
        """The class names, or ``None`` when not set yet."""
        return self._class_texts

    def set_class_texts(self, texts: Sequence[str]) -> None:
        """Set the class names (index = label) and drop cached embeddings."""
        texts = tuple(str(t) for t in texts)
        if not texts:
            raise ValueError('class_texts is empty')
        if texts != self._class_texts:
            self._class_texts = texts
            self._class_cache = None

    def clear_text_cache(self) -> None:
        self._class_cache = None

    def embed_texts(self, texts: Sequence[str]) -> Tensor:
        """Text embeddings used for alignment, ``[N, C]``.

        Subclasses with a text head override this. Defaults to the text
        encoder's sentence embedding.
        """
        return self.text_encoder(list(texts))

    def encode_class_texts(self, names: Sequence[str]) -> Tensor:
        """L2-normalised ensemble embeddings of class names.

        A class's ensemble is its name in every template plus its
        descriptions from ``class_text_sources``: the mean of their
        normalised embeddings, normalised again.

        Args:
            names (list[str]): ``L`` class names.

        Returns:
            Tensor: ``[L, C]``.
        """
        per_class = expand_class_texts(names, self.templates,
                                       self.class_text_sources or None)
        texts = [t for class_texts in per_class for t in class_texts]
        chunks = [
            self.embed_texts(texts[i:i + self.text_chunk_size])
            for i in range(0, len(texts), self.text_chunk_size)
        ]
        emb = F.normalize(torch.cat(chunks), dim=-1)
        counts = torch.tensor([len(t) for t in per_class], device=emb.device)
        owner = torch.repeat_interleave(
            torch.arange(len(names), device=emb.device), counts)
        summed = emb.new_zeros(len(names), emb.shape[-1]).index_add(0, owner, emb)
        return F.normalize(summed / counts[:, None].to(emb.dtype), dim=-1)

    def class_embeddings(self) -> Tensor:
        """Cached ``[L, C]`` embeddings of :attr:`class_texts`, no gradients.

        Valid for one evaluation run, or for all of training when the text
        path is frozen."""
        if self._class_cache is None:
            with torch.no_grad():
                self._class_cache = self.encode_class_texts(self.class_texts)
        return self._class_cache

    def text_modules(self) -> List[nn.Module]:
        """Modules on the text path (subclasses add their text heads)."""
        return [self.text_encoder]

    @property
    def text_trainable(self) -> bool:
        """Whether any weight on the text path is trained."""
        return any(p.requires_grad for m in self.text_modules()
                   for p in m.parameters())

    def label_text_embeddings(self, labels: Tensor) -> Tensor:
        """Embeddings ``[B, C]`` of each sample's class text.

        Each distinct class in the batch is encoded once; with a frozen text
        path the cached class embeddings are reused (no re-encoding per step).
        """
        uniq, inverse = labels.unique(return_inverse=True)
        if uniq.max().item() >= len(self.class_texts) or uniq.min() < 0:
            raise ValueError(f'labels {uniq.tolist()} out of range for '
                             f'{len(self.class_texts)} class texts')
        if not self.text_trainable:
            return self.class_embeddings()[labels]
        names = [self.class_texts[i] for i in uniq.tolist()]
        return self.encode_class_texts(names)[inverse]

    # ----------------------------------------------------------------- video
    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, int]:
        """Per-frame features of every clip.

        Args:
            inputs (Tensor): ``[B, K, ...]`` with ``K`` clips per sample,
                e.g. ``[B, K, J, T, H, W]`` heatmaps or ``[B, K, M, T, V, C]``
                joints.

        Returns:
            tuple: ``[B * K, T', C]`` features and ``K``.
        """
        num_clips = inputs.shape[1]
        return self.video_encoder(inputs.flatten(0, 1)), num_clips

    @staticmethod
    def gt_labels(data_samples: SampleList) -> Tensor:
        return torch.cat([ds.gt_label.view(-1) for ds in data_samples])

    # ------------------------------------------------------------ interface
    @abstractmethod
    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        """Training losses; keys contain ``'loss'``."""

    @abstractmethod
    def score_classes(self, frame_feats: Tensor, class_emb: Tensor) -> Tensor:
        """Class logits ``[N, L]`` from frame features ``[N, T, C]`` and
        normalised class embeddings ``[L, C]``."""

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Score every class text; scores (softmax, averaged over clips)
        go through ``ActionDataSample.set_pred_score`` for ``AccMetric``."""
        frame_feats, num_clips = self.extract_feat(inputs)
        logits = self.score_classes(frame_feats, self.class_embeddings())
        logits = logits.view(-1, num_clips, logits.shape[-1])
        if self.test_cfg['average_clips'] == 'prob':
            scores = logits.softmax(-1).mean(1)
        elif self.test_cfg['average_clips'] == 'score':
            scores = logits.mean(1)
        else:
            raise ValueError('test_cfg.average_clips must be "prob" or "score"')
        for ds, score in zip(data_samples, scores):
            ds.set_pred_score(score)
            ds.set_pred_label(score.argmax(keepdim=True))
        return data_samples

    def forward(self, inputs: Tensor, data_samples: OptSampleList = None,
                mode: str = 'tensor') -> ForwardResults:
        if mode == 'loss':
            # Trained text weights change: embeddings cached for an
            # evaluation run are stale from now on.
            if self.text_trainable:
                self._class_cache = None
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)[0]
        raise RuntimeError(f'Invalid mode "{mode}". '
                           'Only supports loss, predict and tensor mode')
