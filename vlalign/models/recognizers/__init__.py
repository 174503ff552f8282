from .base import BaseTextAlignRecognizer
from .visece import Visece
from .visece_itm import ViseceITM
from .visece_mo import ViseceMo
from .visece_pacl import VisecePACL

__all__ = ['BaseTextAlignRecognizer', 'Visece', 'ViseceITM', 'ViseceMo',
           'VisecePACL']
