from .alignment_metric import AlignmentMetric
from .anticipation_metric import AnticipationMetric
from .confusion_matrix_metric import ConfusionMatrixMetric
from .retrieval_metric import RetrievalMetric
from .segmentation_metric import SegmentationMetric
from .two_stage_metric import TwoStageZeroShotMetric
from .verb_noun_metric import VerbNounMetric
from .zero_shot_metric import ZeroShotMetric

__all__ = ['AlignmentMetric', 'AnticipationMetric', 'ConfusionMatrixMetric',
           'RetrievalMetric', 'SegmentationMetric', 'TwoStageZeroShotMetric',
           'VerbNounMetric', 'ZeroShotMetric']
