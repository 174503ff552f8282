"""SynSE: syntactically guided generative embeddings (Gupta et al., ICIP 2021).

CADA-style VAEs with the text side split by part of speech: each class name
gives a verb phrase ``v`` and a noun phrase ``n``, embedded separately. The
skeleton latent ``z_s`` (``D`` dims) is aligned half with the noun latent
``z_n`` and half with the verb latent ``z_v`` (``D / 2`` each):

    L = |s - D_s(z_s)|^2 + |n - D_n(z_n)|^2 + |v - D_v(z_v)|^2
        + k * KL_s + k_n * KL_n + k_v * KL_v
        + c * (|n - D_n(z_s[:D/2])|^2 + |v - D_v(z_s[D/2:])|^2
               + |s - D_s([z_n, z_v])|^2)

(mean squared errors). Training runs in cycles of 1,700 iterations; within a
cycle at iteration ``i``: ``k = max(0.1 (i - 1000) / 3000, 0)``, the
cross-reconstruction weight ``c = [i > 1400]``, and from the third cycle on
``k_n = k_v = max(0.1 (i - 1400) / 3000, 0)``. The zero-shot classifier
(Linear + ReLU over the unseen classes) is fitted on 500 latents
``[z_n, z_v]`` per unseen class (300 full-batch epochs, Adam 1e-3) and reads
``mu_s`` at test time. GZSL: the confidence gate (:mod:`.gating`).

Hyper-parameters (skelemoa/synse-zsl ``synse/synse_training.py``,
``synse.py`` and the ``cada_vae/README.md`` commands of the same repo):
Adam lr 1e-4, batch 64, latent 100 (NTU-60; 200 for NTU-120), 10 cycles of
1,700 iterations; linear encoders, decoders ending in a ReLU, Xavier (gain
0.5) init, one noise draw per sample. The original keeps the cycle whose
ZSL accuracy on the test set is best; vlalign keeps the last.

Parts of speech: SynSE tags the NTU label texts with a PoS tagger and ships
the verb / noun vocabularies; here ``pos_file`` gives ``name;verb;noun``
lines, else :func:`split_verb_noun` splits each name by rule.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from vlalign.registry import MODELS
from vlalign.utils.errors import DataError
from .class_embeddings import load_embedding_file
from .generative import GenerativeZSLHead
from .vae_blocks import Decoder, GaussianEncoder, kl_divergence, reparameterize

_PARTICLES = {'up', 'down', 'off', 'on', 'out', 'in', 'over', 'back',
              'around', 'apart', 'away', 'together'}
_FUNCTION_WORDS = {'with', 'a', 'an', 'the', 'to', 'from', 'of', 'at',
                   'into', 'onto', 'on', 'in', 'for', 'by', 'it'}


def split_verb_noun(name: str) -> Tuple[str, str]:
    """Split an action name into a verb phrase and a noun phrase by rule:
    the first word and the particles after it are the verb ("pick up"),
    the rest without leading function words the noun ("one hand"); a name
    with no rest uses itself as its noun phrase ("clapping")."""
    words = name.split()
    i = 1
    while i < len(words) and words[i].lower() in _PARTICLES:
        i += 1
    rest = words[i:]
    while rest and rest[0].lower().strip('(') in _FUNCTION_WORDS:
        rest = rest[1:]
    return ' '.join(words[:i]), ' '.join(rest) or name


def load_pos_file(path: str) -> Dict[str, Tuple[str, str]]:
    """``{name: (verb phrase, noun phrase)}`` from ``name;verb;noun`` lines.

    Raises:
        DataError: On a line without three fields (``file:line``).
    """
    out = {}
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            parts = [p.strip() for p in line.rstrip('\n').split(';')]
            if len(parts) != 3 or not all(parts):
                raise DataError(f'{path}:{lineno}: expected '
                                '"name;verb phrase;noun phrase"')
            out[parts[0]] = (parts[1], parts[2])
    return out


@MODELS.register_module()
class SynSEHead(GenerativeZSLHead):
    """SynSE on stage-1 features (see the module docstring).

    Args:
        latent_dim (int): Skeleton latent ``D`` (even). Defaults to ``100``.
        cycle_length (int): Iterations per cycle. Defaults to ``1700``.
        pos_file (str, optional): ``name;verb;noun`` lines. Defaults to
            ``None`` (:func:`split_verb_noun`). ``text.verb_embedding_file``
            / ``text.noun_embedding_file`` (``[L, E]`` ``.npy``) replace
            the encoded phrases.
        **kwargs: See :class:`GenerativeZSLHead`.
    """

    def __init__(self, latent_dim: int = 100, cycle_length: int = 1700,
                 pos_file: Optional[str] = None, **kwargs) -> None:
        if latent_dim % 2:
            raise ValueError(f'latent_dim must be even, got {latent_dim}')
        kwargs.setdefault('gating', True)
        super().__init__(classifier_dim=latent_dim, **kwargs)
        self.latent_dim = latent_dim
        self.cycle_length = int(cycle_length)
        pos = load_pos_file(pos_file) if pos_file else {}
        self.pos = {name: pos.get(name) or split_verb_noun(name)
                    for name in self.class_names}
        self.register_buffer('verb_emb', self._pos_embeddings('verb', 0),
                             persistent=False)
        self.register_buffer('noun_emb', self._pos_embeddings('noun', 1),
                             persistent=False)
        c, e, h = self.feature_dim, self.text_dim, latent_dim // 2
        self.s_enc = GaussianEncoder([c, latent_dim])
        self.s_dec = Decoder([latent_dim, c], final_relu=True)
        self.n_enc = GaussianEncoder([e, h])
        self.n_dec = Decoder([h, e], final_relu=True)
        self.v_enc = GaussianEncoder([e, h])
        self.v_dec = Decoder([h, e], final_relu=True)

    def _pos_embeddings(self, part: str, column: int) -> Tensor:
        """``[L, E]`` verb (``column`` 0) or noun (1) phrase embeddings:
        ``text.<part>_embedding_file`` if given (SynSE ships
        ``bert_verb.npy`` / ``bert_noun.npy``), else the class embeddings
        when ``text.embedding_file`` replaces the encoder, else encoded."""
        path = self.text_cfg.get(f'{part}_embedding_file')
        if path:
            return load_embedding_file(path, self.num_classes)
        if self.text_cfg.get('embedding_file'):
            return self.class_emb.clone()
        return self.embed_texts([[self.pos[n][column]]
                                 for n in self.class_names])

    def factors(self) -> Dict[str, float]:
        """SynSE's schedule at the current step (see the module doc); a
        cycle of another length ``N`` scales its iteration constants by
        ``N / 1700`` (as SA-DVAE scales the same schedule)."""
        n = self.cycle_length
        cycle, i = divmod(int(self.step), n)
        scale = n / 1700
        cr_start = 1400 * scale
        k = max(0.1 * (i - 1000 * scale) / (3000 * scale), 0.0)
        k_text = max(0.1 * (i - cr_start) / (3000 * scale), 0.0) * \
            (cycle > 1)
        return dict(kl=k, kl_text=k_text, cross=float(i > cr_start))

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Sequence) -> Dict[str, Tensor]:
        s = inputs['feature']
        labels = self.gt_labels(data_samples)
        n, v = self.noun_emb[labels], self.verb_emb[labels]
        f = self.factors()
        h = self.latent_dim // 2
        mu_s, lv_s = self.s_enc(s)
        mu_n, lv_n = self.n_enc(n)
        mu_v, lv_v = self.v_enc(v)
        z_s = reparameterize(mu_s, lv_s)
        z_n, z_v = reparameterize(mu_n, lv_n), reparameterize(mu_v, lv_v)
        recon = F.mse_loss(self.s_dec(z_s), s) + \
            F.mse_loss(self.n_dec(z_n), n) + F.mse_loss(self.v_dec(z_v), v)
        kl = f['kl'] * kl_divergence(mu_s, lv_s) + f['kl_text'] * (
            kl_divergence(mu_n, lv_n) + kl_divergence(mu_v, lv_v))
        cross = F.mse_loss(self.n_dec(z_s[:, :h]), n) + \
            F.mse_loss(self.v_dec(z_s[:, h:]), v) + \
            F.mse_loss(self.s_dec(torch.cat([z_n, z_v], 1)), s)
        return dict(loss_recon=recon, loss_kl=kl,
                    loss_cross=f['cross'] * cross)

    def text_latent(self, classes: Tensor) -> Tensor:
        z_n = reparameterize(*self.n_enc(self.noun_emb[classes]))
        z_v = reparameterize(*self.v_enc(self.verb_emb[classes]))
        return torch.cat([z_n, z_v], 1)

    def visual_latent(self, features: Tensor) -> Tensor:
        return self.s_enc(features)[0]
