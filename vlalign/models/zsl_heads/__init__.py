"""Stage-2 heads of the two-stage zero-shot protocol: models that align
stage-1 skeleton features ``[B, C]`` with frozen class text embeddings.

- :class:`AlignZSLHead`: vlalign's contrastive alignment (label-aware
  InfoNCE), with name / description ensembles;
- :class:`CADAVAEHead`: CADA-VAE (Schonfeld et al., CVPR 2019);
- :class:`SynSEHead`: SynSE (Gupta et al., ICIP 2021), PoS-aware VAEs with
  the confidence gate for GZSL;
- :class:`SMIEHead`: SMIE (Zhou et al., ACM MM 2023), mutual-information
  estimation with the temporal constraint;
- :class:`SADVAEHead`: SA-DVAE (Li et al., ECCV 2024), disentangled VAEs
  with a total-correlation discriminator.

Shared logic: :class:`BaseZSLHead` (label space, class texts, seen expert,
calibration, prediction), :class:`GenerativeZSLHead` (the latent zero-shot
classifier of the VAEs), :mod:`.gating`, :mod:`.vae_blocks`.
"""
from .align_head import AlignZSLHead
from .base import BaseZSLHead
from .cada_vae import CADAVAEHead
from .gating import ConfidenceGate
from .generative import GenerativeZSLHead
from .sa_dvae import SADVAEHead
from .smie import SMIEHead
from .synse import SynSEHead, split_verb_noun

__all__ = ['AlignZSLHead', 'BaseZSLHead', 'CADAVAEHead', 'ConfidenceGate',
           'GenerativeZSLHead', 'SADVAEHead', 'SMIEHead', 'SynSEHead',
           'split_verb_noun']
