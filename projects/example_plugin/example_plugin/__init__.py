"""An example third-party plugin for vlalign: nothing here touches vlalign."""
from .max_pool_visece import MaxPoolVisece

__all__ = ['MaxPoolVisece']
