from .contrastive import VideoTextContrastiveLoss, soft_cross_entropy

__all__ = ['VideoTextContrastiveLoss', 'soft_cross_entropy']
