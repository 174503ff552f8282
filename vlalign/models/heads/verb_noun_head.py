"""Verb and noun classifiers, optionally initialised from class-name text
embeddings."""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from vlalign.registry import MODELS
from vlalign.utils.errors import ConfigError

ClassSource = Union[str, Sequence[str]]


def load_class_texts_for_head(source: ClassSource) -> List[str]:
    """Class names as text: an EPIC class CSV (``id,key,...``), a label file
    (one name per line) or a list; EPIC keys become readable text
    (``'board:chopping'`` -> ``'chopping board'``)."""
    from vlalign.datasets.epic_kitchens import (epic_key_to_text,
                                                load_epic_classes)
    from vlalign.classes.label_map import load_class_names
    if isinstance(source, str):
        names = (load_epic_classes(source) if source.endswith('.csv')
                 else load_class_names(source))
    else:
        names = [str(n) for n in source]
    return [epic_key_to_text(n) for n in names]


class CosineClassifier(nn.Module):
    """``logits = s * norm(P x) @ norm(W)^T`` with a learnable scale ``s``.

    ``W`` ``[L, E]`` can start from text embeddings of the class names, so
    classes with similar names start with similar classifiers.

    Args:
        in_channels (int): ``C``.
        weight (Tensor): Initial class embeddings ``[L, E]``.
        logit_scale (float): Initial ``s``; learnt as ``log s``, clamped to
            ``[0, log 100]``. Defaults to ``1/0.07``.
        trainable (bool): Train ``W`` (else keep the text embeddings).
            Defaults to ``True``.
    """

    def __init__(self, in_channels: int, weight: Tensor,
                 logit_scale: float = 1 / 0.07,
                 trainable: bool = True) -> None:
        super().__init__()
        self.proj = nn.Linear(in_channels, weight.shape[1])
        weight = F.normalize(weight.detach().float(), dim=-1)
        if trainable:
            self.weight = nn.Parameter(weight)
        else:
            self.register_buffer('weight', weight)
        self.log_scale = nn.Parameter(torch.tensor(math.log(logit_scale)))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C]`` -> ``[B, L]``."""
        scale = self.log_scale.clamp(0, math.log(100)).exp()
        return scale * F.normalize(self.proj(x), dim=-1) @ F.normalize(
            self.weight, dim=-1).t()


@MODELS.register_module()
class VerbNounHead(BaseModule):
    """Two classifiers, verbs and nouns, with label-smoothed cross-entropy.

    Without ``text_init`` each is ``Dropout -> Linear``. With it, each is a
    :class:`CosineClassifier` whose class embeddings start as the text
    encoder's sentence embeddings of the class names (through a template,
    e.g. ``'a person is {}ing'`` is NOT needed: the names work as they are).
    The text encoder is used once, at build time, and not kept: checkpoints
    hold only the class embeddings.

    Args:
        in_channels (int): Feature channels ``C`` of each branch.
        num_verbs (int): Verb classes ``Lv`` (97 in EPIC-100).
        num_nouns (int): Noun classes ``Ln`` (300 in EPIC-100).
        dropout (float): Dropout before the classifiers. Defaults to ``0.5``.
        label_smoothing (float): Cross-entropy label smoothing. Defaults to
            ``0.``.
        loss_weights (Sequence[float]): Weights of the verb and noun losses.
            Defaults to ``(1., 1.)``.
        text_init (dict, optional): ``text_encoder`` (config, e.g.
            ``BertTextEncoder``), ``verb_classes`` and ``noun_classes``
            (EPIC class CSV, label file or list), optional ``verb_template``
            / ``noun_template`` (``'{}'``), ``logit_scale`` (``1/0.07``) and
            ``trainable`` (``True``). Defaults to ``None``.
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.
    """

    def __init__(self,
                 in_channels: int,
                 num_verbs: int,
                 num_nouns: int,
                 dropout: float = 0.5,
                 label_smoothing: float = 0.,
                 loss_weights: Sequence[float] = (1., 1.),
                 text_init: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 <= label_smoothing < 1:
            raise ConfigError(f'label_smoothing must be in [0, 1), got '
                              f'{label_smoothing}')
        self.num_verbs = int(num_verbs)
        self.num_nouns = int(num_nouns)
        self.label_smoothing = float(label_smoothing)
        self.loss_weights = tuple(float(w) for w in loss_weights)
        self.dropout = nn.Dropout(dropout)
        self.text_initialised = text_init is not None
        if text_init is None:
            self.verb_cls = nn.Linear(in_channels, self.num_verbs)
            self.noun_cls = nn.Linear(in_channels, self.num_nouns)
        else:
            verb_emb, noun_emb = self._text_embeddings(dict(text_init))
            kwargs = dict(logit_scale=text_init.get('logit_scale', 1 / 0.07),
                          trainable=text_init.get('trainable', True))
            self.verb_cls = CosineClassifier(in_channels, verb_emb, **kwargs)
            self.noun_cls = CosineClassifier(in_channels, noun_emb, **kwargs)

    def _text_embeddings(self, cfg: Dict) -> Tuple[Tensor, Tensor]:
        """Sentence embeddings of the verb and noun names, ``[Lv, E]`` and
        ``[Ln, E]``."""
        missing = [k for k in ('text_encoder', 'verb_classes', 'noun_classes')
                   if k not in cfg]
        if missing:
            raise ConfigError(f'VerbNounHead.text_init lacks {missing}')
        embeddings = []
        encoder = MODELS.build(cfg['text_encoder'])
        encoder.eval()
        for kind, num in (('verb', self.num_verbs), ('noun', self.num_nouns)):
            names = load_class_texts_for_head(cfg[f'{kind}_classes'])
            if len(names) != num:
                raise ConfigError(
                    f'VerbNounHead: text_init.{kind}_classes has '
                    f'{len(names)} classes but num_{kind}s is {num}')
            template = cfg.get(f'{kind}_template', '{}')
            with torch.no_grad():
                embeddings.append(
                    encoder([template.format(n) for n in names]).float())
        del encoder
        return embeddings[0], embeddings[1]

    def forward(self, verb_feat: Tensor,
                noun_feat: Tensor) -> Tuple[Tensor, Tensor]:
        """Classify.

        Args:
            verb_feat (Tensor): Pooled verb-branch features ``[B, C]``.
            noun_feat (Tensor): Pooled noun-branch features ``[B, C]``.

        Returns:
            tuple[Tensor, Tensor]: Verb logits ``[B, Lv]`` and noun logits
            ``[B, Ln]``.
        """
        return (self.verb_cls(self.dropout(verb_feat)),
                self.noun_cls(self.dropout(noun_feat)))

    def loss(self, verb_logits: Tensor, noun_logits: Tensor,
             verb_labels: Tensor, noun_labels: Tensor) -> Dict[str, Tensor]:
        """Label-smoothed cross-entropy of both tasks, and batch accuracies.

        Args:
            verb_logits (Tensor): ``[B, Lv]``.
            noun_logits (Tensor): ``[B, Ln]``.
            verb_labels (Tensor): ``[B]`` long.
            noun_labels (Tensor): ``[B]`` long.

        Returns:
            dict[str, Tensor]: ``loss_verb``, ``loss_noun`` (weighted) and the
            training accuracies ``verb_top1``, ``noun_top1``, ``action_top1``
            (logged, not optimised).

        Raises:
            ConfigError: If a label is beyond ``num_verbs`` / ``num_nouns``.
        """
        for labels, num, kind in ((verb_labels, self.num_verbs, 'verb'),
                                  (noun_labels, self.num_nouns, 'noun')):
            if labels.numel() and int(labels.max()) >= num:
                raise ConfigError(
                    f'{kind} label {int(labels.max())} but the head has '
                    f'{num} {kind}s (cls_head.num_{kind}s): does the config '
                    f'match the {kind} class file of the data?')
        loss_verb = F.cross_entropy(verb_logits, verb_labels,
                                    label_smoothing=self.label_smoothing)
        loss_noun = F.cross_entropy(noun_logits, noun_labels,
                                    label_smoothing=self.label_smoothing)
        with torch.no_grad():
            verb_hit = verb_logits.argmax(-1) == verb_labels
            noun_hit = noun_logits.argmax(-1) == noun_labels
            accs = dict(verb_top1=verb_hit.float().mean(),
                        noun_top1=noun_hit.float().mean(),
                        action_top1=(verb_hit & noun_hit).float().mean())
        return dict(loss_verb=self.loss_weights[0] * loss_verb,
                    loss_noun=self.loss_weights[1] * loss_noun, **accs)
