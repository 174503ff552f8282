"""An example third-party plugin for vlalign: nothing here touches vlalign."""
from .attention_pool_visece import AttentionPoolVisece
from .max_pool_visece import MaxPoolVisece

__all__ = ['AttentionPoolVisece', 'MaxPoolVisece']
