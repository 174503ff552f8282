from .calibration import (calibrated_stacking, select_calibration_gamma,
                          select_stacking_gamma)
from .metrics import (AlignmentMetric, AnticipationMetric,
                      ConfusionMatrixMetric, RetrievalMetric,
                      SegmentationMetric, TwoStageZeroShotMetric,
                      VerbNounMetric, ZeroShotMetric)

__all__ = ['AlignmentMetric', 'AnticipationMetric', 'ConfusionMatrixMetric',
           'RetrievalMetric', 'SegmentationMetric', 'TwoStageZeroShotMetric',
           'VerbNounMetric', 'ZeroShotMetric', 'calibrated_stacking',
           'select_calibration_gamma', 'select_stacking_gamma']
