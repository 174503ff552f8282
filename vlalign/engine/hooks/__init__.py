from .class_texts_hook import ClassTextsHook
from .test_after_train_hook import TestAfterTrainHook

__all__ = ['ClassTextsHook', 'TestAfterTrainHook']
