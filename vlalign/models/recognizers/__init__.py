from .base import BaseTextAlignRecognizer
from .visece import Visece

__all__ = ['BaseTextAlignRecognizer', 'Visece']
