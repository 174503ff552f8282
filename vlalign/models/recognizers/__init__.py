from .base import BaseTextAlignRecognizer
from .visece import Visece
from .visece_itm import ViseceITM

__all__ = ['BaseTextAlignRecognizer', 'Visece', 'ViseceITM']
