"""Frame-wise alignment statistics, overall and per action type."""
import fnmatch
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric

from vlalign.registry import METRICS

# Type name -> label patterns (fnmatch, case-sensitive); first match wins,
# unmatched labels are ``default_type``.
DEFAULT_ACTION_TYPES: Dict[str, List[str]] = dict(
    null=['background', 'SIL', 'bg', 'null*', 'NULL*', 'transition*',
          'idle*'],
    wrong=['wrong*', 'mistake*', '*_wrong', '*_mistake'])


def action_type_of(label: str, action_types: Mapping[str, Sequence[str]],
                   default_type: str = 'regular') -> str:
    """The type of a label name: the first type with a matching pattern."""
    for name, patterns in action_types.items():
        if any(fnmatch.fnmatchcase(label, p) for p in patterns):
            return name
    return default_type


def similarity_stats(cos: np.ndarray, mse: np.ndarray) -> Dict[str, float]:
    """``mse``, ``cos_mean``, ``cos_median``, ``cos_std`` and ``frames``."""
    return dict(mse=float(mse.mean()), cos_mean=float(cos.mean()),
                cos_median=float(np.median(cos)), cos_std=float(cos.std()),
                frames=int(cos.size))


@METRICS.register_module()
class AlignmentMetric(BaseMetric):
    """MSE and cosine similarity between predicted and label embeddings.

    Reads the data samples of :class:`SemanticTCNAligner` (``pred_embeddings``
    and ``gt_embeddings`` ``[T, E]``, ``gt_labels`` ``[T]``; padding is
    already cut off). Reports ``mse``, ``cos_mean``, ``cos_median``,
    ``cos_std`` over all frames, and the same as ``<type>/<stat>`` for each
    action type present (labels are typed by ``action_types`` patterns on
    ``dataset_meta['classes']``).

    Args:
        action_types (dict, optional): Type -> list of fnmatch patterns of
            label names. Defaults to :data:`DEFAULT_ACTION_TYPES` (``null``:
            background/SIL/transition..., ``wrong``: ``wrong*``...).
        default_type (str): Type of unmatched labels. Defaults to
            ``'regular'``.
        plot_dir (str, optional): Write a similarity-over-time PNG for the
            first ``max_plots`` videos there. Defaults to ``None``.
        max_plots (int): Defaults to ``4``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'align'``.
    """
    default_prefix = 'align'

    def __init__(self,
                 action_types: Optional[Mapping[str, Sequence[str]]] = None,
                 default_type: str = 'regular',
                 plot_dir: Optional[str] = None,
                 max_plots: int = 4,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.action_types = {k: list(v) for k, v in (
            DEFAULT_ACTION_TYPES if action_types is None
            else action_types).items()}
        self.default_type = default_type
        self.plot_dir = plot_dir
        self.max_plots = max_plots

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        for s in data_samples:
            pred = torch.as_tensor(s['pred_embeddings']).float()
            gt = torch.as_tensor(s['gt_embeddings']).float()
            cos = F.cosine_similarity(pred, gt, dim=-1, eps=1e-8)
            mse = (pred - gt).pow(2).mean(-1)
            labels = torch.as_tensor(s.get('gt_labels', torch.full(
                cos.shape, -1))).long()
            self.results.append(dict(
                video=s.get('video', str(len(self.results))),
                cos=cos.numpy(), mse=mse.numpy(), labels=labels.numpy()))

    def _type_names(self, labels: np.ndarray) -> np.ndarray:
        classes = list((self.dataset_meta or {}).get('classes') or [])
        types = [action_type_of(str(c), self.action_types, self.default_type)
                 for c in classes]
        return np.array([types[i] if 0 <= i < len(types)
                         else self.default_type for i in labels])

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        cos = np.concatenate([r['cos'] for r in results])
        mse = np.concatenate([r['mse'] for r in results])
        types = self._type_names(np.concatenate([r['labels'] for r in results]))
        out = similarity_stats(cos, mse)
        for name in [self.default_type, *self.action_types]:
            sel = types == name
            if sel.any():
                for k, v in similarity_stats(cos[sel], mse[sel]).items():
                    out[f'{name}/{k}'] = v
        if self.plot_dir:
            from vlalign.visualization.similarity_plot import \
                plot_similarity_over_time
            for r in results[:self.max_plots]:
                plot_similarity_over_time(
                    r['cos'], self._type_names(r['labels']),
                    out_file=osp.join(self.plot_dir, f'{r["video"]}.png'),
                    title=str(r['video']))
        return out
