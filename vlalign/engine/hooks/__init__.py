from .class_texts_hook import ClassTextsHook
from .rng_state_hook import RNGStateHook
from .test_after_train_hook import TestAfterTrainHook

__all__ = ['ClassTextsHook', 'RNGStateHook', 'TestAfterTrainHook']
