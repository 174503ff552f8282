"""High-level entry points: build a recognizer, recognise by any labels,
run the zero-shot protocol."""
from .inference import init_recognizer, zero_shot_recognize
from .label_embeddings import prepare_label_embeddings
from .zero_shot import (add_zero_shot_args, apply_zero_shot,
                        apply_zero_shot_args, format_zero_shot_table,
                        wants_zero_shot, write_json_atomic)

__all__ = [
    'add_zero_shot_args', 'apply_zero_shot', 'apply_zero_shot_args',
    'format_zero_shot_table', 'init_recognizer', 'prepare_label_embeddings',
    'wants_zero_shot',
    'write_json_atomic', 'zero_shot_recognize'
]
