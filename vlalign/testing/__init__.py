"""Helpers for tests: tiny model configs and inputs (no downloads)."""
from .tiny import (TINY_BERT, demo_inputs, demo_data_samples,
                   shrink_model_cfg)

__all__ = ['TINY_BERT', 'demo_inputs', 'demo_data_samples',
           'shrink_model_cfg']
