"""The class vocabulary and its texts, low in the import order.

Used alike by datasets (which classes a sample may have), models (which
texts a class is scored by) and evaluation (which classes are seen):

- :mod:`.label_map`: label files (one class name a line, line = label);
- :mod:`.class_splits`: seen / unseen class splits;
- :mod:`.protocols`: the published zero-shot protocols (class lists with
  their dataset, data split and source), shipped in ``data/protocols/``;
- :mod:`.class_texts`: prompt templates and per-class descriptions, and the
  texts each class is ensembled from;
- :mod:`.text_encoding`: the one helper that encodes texts with an encoder
  given by its caller;
- :mod:`.label_embeddings`: the cached embedding of each label's text.

Nothing here builds a model: encoders are handed in by the caller.
"""
from .class_splits import (ClassSplit, heldout_calibration_split,
                           load_class_split, random_class_split,
                           save_class_split)
from .class_texts import (PROMPT_SETS, expand_class_texts,
                          get_prompt_templates, load_class_texts)
from .label_map import load_class_names, resolve_class_subset, save_class_names
from .protocols import ZeroShotProtocol, list_protocols, load_protocol

__all__ = [
    'ClassSplit', 'PROMPT_SETS', 'ZeroShotProtocol', 'list_protocols',
    'load_protocol', 'expand_class_texts', 'get_prompt_templates',
    'heldout_calibration_split', 'load_class_names', 'load_class_split',
    'load_class_texts', 'random_class_split', 'resolve_class_subset',
    'save_class_names', 'save_class_split'
]
