from .contrastive import VideoTextContrastiveLoss, soft_cross_entropy
from .itm import ITMLoss, itm_pairs, sample_hard_negatives
from .momentum_distill import MomentumDistillLoss

__all__ = ['ITMLoss', 'MomentumDistillLoss', 'VideoTextContrastiveLoss', 'itm_pairs',
           'sample_hard_negatives', 'soft_cross_entropy']
