"""Every recognizer, by family. Video-text alignment on skeletons shares
:class:`BaseTextAlignRecognizer`; next-action models share
:class:`BaseAnticipationModel`."""
from .anticipation_base import BaseAnticipationModel
from .anticipation_student import AnticipationStudent
from .base import BaseTextAlignRecognizer
from .feature_clip import FeatureCLIP
from .lm_teacher import LMActionTeacher
from .semantic_tcn_aligner import SemanticTCNAligner
from .verb_noun_recognizer import VerbNounRecognizer
from .visece import Visece
from .visece_itm import ViseceITM
from .visece_mo import ViseceMo
from .visece_pacl import VisecePACL

__all__ = ['AnticipationStudent', 'BaseAnticipationModel',
           'BaseTextAlignRecognizer', 'FeatureCLIP', 'LMActionTeacher',
           'SemanticTCNAligner', 'VerbNounRecognizer', 'Visece', 'ViseceITM',
           'ViseceMo', 'VisecePACL']
