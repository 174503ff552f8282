"""The one text-encoding helper: texts in, embeddings out, with an encoder
handed in by the caller (this package never builds a model)."""
import sys
from typing import Any, Sequence

import numpy as np
import torch

from vlalign.utils.errors import DataError


@torch.no_grad()
def encode_texts(texts: Sequence[str], encoder: Any, batch_size: int = 256,
                 normalize: bool = True,
                 progress: bool = False) -> np.ndarray:
    """Sentence embeddings of ``texts``, in batches, without gradients.

    Args:
        texts (Sequence[str]): ``N`` texts.
        encoder: A :class:`~vlalign.models.text_encoders.BertTextEncoder`
            (``pooling='mean'`` gives sentence-transformers embeddings), any
            object with ``encode(list[str]) -> [n, C]`` (e.g. a
            ``sentence_transformers.SentenceTransformer``), or any callable
            ``list[str] -> [n, C]``.
        batch_size (int): Texts per forward pass. Defaults to ``256``.
        normalize (bool): L2-normalise the rows. Defaults to ``True``.
        progress (bool): Show a progress bar on stderr. Defaults to
            ``False``.

    Returns:
        np.ndarray: ``[N, C]`` float32, row ``i`` the embedding of
        ``texts[i]``.

    Raises:
        DataError: If ``texts`` is empty.
    """
    texts = list(texts)
    if not texts:
        raise DataError('no text to encode')
    batches = [texts[i:i + batch_size]
               for i in range(0, len(texts), batch_size)]
    if progress:
        from mmengine.utils import track_iter_progress
        batches = track_iter_progress(batches, file=sys.stderr)
    out = []
    for batch in batches:
        if hasattr(encoder, 'tokenize') and hasattr(encoder, 'pool'):
            # BertTextEncoder without its forward: a frozen encoder's forward
            # memoises every text, which bulk encoding must not do.
            tokens = encoder.tokenize(batch)
            hidden = encoder.forward_tokens(**tokens)
            emb = encoder.pool(hidden, tokens['attention_mask'])
        elif hasattr(encoder, 'encode'):
            emb = encoder.encode(batch)
        else:
            emb = encoder(batch)
        emb = torch.as_tensor(emb if torch.is_tensor(emb) else np.asarray(emb))
        emb = emb.float().cpu()
        if normalize:
            emb = torch.nn.functional.normalize(emb, dim=-1)
        out.append(emb.numpy())
    return np.concatenate(out, 0).astype(np.float32)
