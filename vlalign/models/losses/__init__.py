from .contrastive import VideoTextContrastiveLoss, soft_cross_entropy
from .itm import ITMLoss, itm_pairs, sample_hard_negatives

__all__ = ['ITMLoss', 'VideoTextContrastiveLoss', 'itm_pairs',
           'sample_hard_negatives', 'soft_cross_entropy']
