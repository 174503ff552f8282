"""A BERT-family classifier of action histories: the anticipation teacher."""
from typing import Dict, Sequence

from torch import Tensor

from vlalign.registry import MODELS
from .anticipation_base import BaseAnticipationModel


@MODELS.register_module()
class LMActionTeacher(BaseAnticipationModel):
    """Next action from the text of the past ones ("take cup, open tap, ...").

    A BERT-family encoder (``BertTextEncoder``: a pretrained name or path,
    or a tiny random ``config``) is fine-tuned with action, verb and noun
    heads on its sentence embedding (multi-task cross entropy, optionally
    class-weighted). The embedding is the ``lm_feature`` that
    ``tools/export_teacher_predictions.py`` exports with the action logits.

    Args:
        text_encoder (dict): Config of the text encoder, e.g.
            ``dict(type='BertTextEncoder', pretrained='bert-base-uncased',
            max_length=128)``.
        num_actions (int): Action classes.
        num_verbs (int): Verb classes.
        num_nouns (int): Noun classes.
        **kwargs: :class:`BaseAnticipationModel` arguments
            (``loss_weights``, ``class_weighted``, ``dropout``, ...).

    Inputs are a list of ``B`` history texts.
    """

    def __init__(self, text_encoder: Dict, num_actions: int, num_verbs: int,
                 num_nouns: int, **kwargs) -> None:
        encoder = MODELS.build(text_encoder)
        super().__init__(encoder.out_channels, num_actions, num_verbs,
                         num_nouns, **kwargs)
        self.text_encoder = encoder

    def extract_feat(self, inputs: Sequence[str]) -> Tensor:
        """Sentence embeddings ``[B, C]`` of ``B`` texts."""
        if isinstance(inputs, str):
            inputs = [inputs]
        return self.text_encoder(list(inputs))
