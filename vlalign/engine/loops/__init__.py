from .zsl_train_loop import ZSLTrainLoop

__all__ = ['ZSLTrainLoop']
