from .bert import BertTextEncoder, minilm_path, resolve_text_model

__all__ = ['BertTextEncoder', 'minilm_path', 'resolve_text_model']
