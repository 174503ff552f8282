from .cross_task_attention import CrossTaskAttention
from .feature_queue import FeatureQueue
from .logit_scale import LogitScale
from .multiscale_temporal import MultiScaleTemporalBlock, local_attention_mask
from .pacl_pooling import (pacl_class_scores, pacl_frame_weights,
                           pacl_pool_train, pacl_pool_train_mod, pacl_pool_val,
                           pacl_pool_val_mod)

__all__ = ['CrossTaskAttention', 'FeatureQueue', 'LogitScale',
           'MultiScaleTemporalBlock', 'local_attention_mask',
           'pacl_class_scores', 'pacl_frame_weights', 'pacl_pool_train',
           'pacl_pool_train_mod', 'pacl_pool_val', 'pacl_pool_val_mod']
