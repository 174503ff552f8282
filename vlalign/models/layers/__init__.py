from .feature_queue import FeatureQueue
from .logit_scale import LogitScale
from .pacl_pooling import (pacl_class_scores, pacl_frame_weights,
                           pacl_pool_train, pacl_pool_train_mod, pacl_pool_val,
                           pacl_pool_val_mod)

__all__ = ['FeatureQueue', 'LogitScale', 'pacl_class_scores', 'pacl_frame_weights',
           'pacl_pool_train', 'pacl_pool_train_mod', 'pacl_pool_val',
           'pacl_pool_val_mod']
