from .logit_scale import LogitScale

__all__ = ['LogitScale']
