
from .confusion_matrix_metric import ConfusionMatrixMetric
from .zero_shot_metric import ZeroShotMetric

__all__ = ['ConfusionMatrixMetric', 'ZeroShotMetric']
