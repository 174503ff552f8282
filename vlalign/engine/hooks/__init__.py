from .class_texts_hook import ClassTextsHook

__all__ = ['ClassTextsHook']
