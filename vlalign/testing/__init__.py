"""Helpers for tests: tiny model configs and inputs (no downloads)."""
from .tiny import (TINY_BERT, TINY_CLASSES, demo_data_samples, demo_inputs,
                   shrink_model_cfg, tiny_recognizer_cfg)

__all__ = ['TINY_BERT', 'TINY_CLASSES', 'demo_data_samples', 'demo_inputs',
           'shrink_model_cfg', 'tiny_recognizer_cfg']
