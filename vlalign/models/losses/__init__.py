from .alignment import (AdaptiveAlignmentLoss, CosineAlignmentLoss,
                        MSEAlignmentLoss, SmoothL1AlignmentLoss)
from .contrastive import VideoTextContrastiveLoss, soft_cross_entropy
from .distillation import DistillationKLLoss, distillation_kl
from .itm import ITMLoss, itm_pairs, sample_hard_negatives
from .momentum_distill import MomentumDistillLoss

__all__ = ['AdaptiveAlignmentLoss', 'CosineAlignmentLoss',
           'DistillationKLLoss', 'ITMLoss', 'MSEAlignmentLoss',
           'MomentumDistillLoss', 'SmoothL1AlignmentLoss',
           'VideoTextContrastiveLoss', 'distillation_kl', 'itm_pairs',
           'sample_hard_negatives', 'soft_cross_entropy']
