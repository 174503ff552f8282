from .class_counts_hook import ClassCountsHook
from .class_texts_hook import ClassTextsHook
from .logit_scale_clamp_hook import LogitScaleClampHook
from .rng_state_hook import RNGStateHook
from .test_after_train_hook import TestAfterTrainHook
from .train_val_gap_hook import TrainValGapHook

__all__ = ['ClassCountsHook', 'ClassTextsHook', 'LogitScaleClampHook',
           'RNGStateHook', 'TestAfterTrainHook', 'TrainValGapHook']
