"""Video-to-text and text-to-video recall@k over a whole evaluation set."""
from typing import Any, Dict, List, Sequence

import torch
from mmengine.evaluator import BaseMetric

from vlalign.registry import METRICS


def recall_at_k(sim: torch.Tensor, ks: Sequence[int]) -> Dict[int, float]:
    """Recall@k of a query-by-gallery similarity ``[N, N]`` whose
    ground-truth match of query ``i`` is gallery item ``i``.

    A tie with the true match counts against it (its rank is the number of
    items scored at least as high, minus one), so constant scores never
    look good.

    Returns:
        dict[int, float]: ``k -> fraction of queries ranked within top k``.
    """
    true = sim.diagonal().unsqueeze(1)
    rank = (sim >= true).sum(1) - 1  # 0 = best
    return {k: (rank < k).float().mean().item() for k in ks}


@METRICS.register_module()
class RetrievalMetric(BaseMetric):
    """Recall@k both ways for models that predict ``video_emb`` and
    ``text_emb`` (L2-normalised, ``[E]``) per sample.

    ``compute_metrics`` runs on the results gathered from every rank, so the
    figures are over the whole evaluation set, not per-rank batches. Keys:
    ``v2t/R@k`` (each video's narration among all narrations) and
    ``t2v/R@k``, and ``mean_recall`` (their mean over all ``k``).

    Args:
        topk (Sequence[int]): Ranks ``k``. Defaults to ``(1, 5, 10)``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'retrieval'``.
    """

    default_prefix = 'retrieval'

    def __init__(self, topk: Sequence[int] = (1, 5, 10),
                 collect_device: str = 'cpu', prefix: str = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(int(k) for k in topk)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for sample in data_samples:
            get = sample.get if isinstance(sample, dict) else (
                lambda k: getattr(sample, k))
            self.results.append(dict(video=get('video_emb').cpu().float(),
                                     text=get('text_emb').cpu().float()))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        video = torch.stack([r['video'] for r in results])
        text = torch.stack([r['text'] for r in results])
        sim = video @ text.t()
        out: Dict[str, float] = {}
        for name, s in (('v2t', sim), ('t2v', sim.t())):
            for k, value in recall_at_k(s, self.topk).items():
                out[f'{name}/R@{k}'] = value
        out['mean_recall'] = sum(out.values()) / len(out)
        return out
