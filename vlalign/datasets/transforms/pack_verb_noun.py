"""Pack sampled segment features and verb/noun labels for a recognizer."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform

from vlalign.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackVerbNounInputs(BaseTransform):
    """Pack ``feats`` ``[T, D]`` and the verb/noun labels.

    Output: ``inputs`` (float32 tensor ``[T, D]``) and ``data_samples``, an
    :class:`ActionDataSample` with ``gt_verb`` and ``gt_noun`` (long tensors
    of one element, ``-1`` when unlabelled) and the meta keys.

    Args:
        meta_keys (Sequence[str]): Result keys copied into the metainfo.
            Defaults to ``('narration_id', 'video_id', 'participant_id',
            'start_frame', 'stop_frame', 'frame_inds')``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = (
                     'narration_id', 'video_id', 'participant_id',
                     'start_frame', 'stop_frame', 'frame_inds')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        feats = np.ascontiguousarray(results['feats'], dtype=np.float32)
        sample = ActionDataSample()
        sample.gt_verb = torch.tensor([int(results.get('verb_label', -1))])
        sample.gt_noun = torch.tensor([int(results.get('noun_label', -1))])
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=torch.from_numpy(feats), data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
