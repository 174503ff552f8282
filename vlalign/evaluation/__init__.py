from .calibration import (calibrated_stacking, select_calibration_gamma,
                          select_stacking_gamma)
from .metrics import (AlignmentMetric, AnticipationMetric,
                      ConfusionMatrixMetric, RetrievalMetric,
                      SegmentationMetric, VerbNounMetric, ZeroShotMetric)

__all__ = ['AlignmentMetric', 'AnticipationMetric', 'ConfusionMatrixMetric',
           'RetrievalMetric', 'SegmentationMetric', 'VerbNounMetric',
           'ZeroShotMetric', 'calibrated_stacking', 'select_calibration_gamma',
           'select_stacking_gamma']
