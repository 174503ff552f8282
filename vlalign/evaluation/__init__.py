
from .calibration import calibrated_stacking, select_stacking_gamma
from .metrics import ConfusionMatrixMetric, ZeroShotMetric

__all__ = ['ConfusionMatrixMetric', 'ZeroShotMetric', 'calibrated_stacking',
           'select_stacking_gamma']
