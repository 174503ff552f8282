from .itm_head import ITMHead

__all__ = ['ITMHead']
