"""Build a recognizer from config + checkpoint; recognise poses by any labels.

Example::

    >>> from vlalign.apis import init_recognizer, zero_shot_recognize
    >>> model = init_recognizer('configs/visece/visece_...demo-joint.py',
    ...                         'work_dirs/demo/best_acc_top1_epoch_17.pth')
    >>> zero_shot_recognize(model, keypoint, ['wave the left hand', 'squat'])
    [('wave the left hand', 0.91), ('squat', 0.09)]
"""
import copy
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from torch import nn

from vlalign.apis.preflight import check_cfg_options
from vlalign.classes.class_texts import expand_class_texts
from vlalign.utils.checkpoint_fit import load_checkpoint_checked
from vlalign.utils.errors import ConfigError, DataError

ConfigType = Union[str, Config]


def init_recognizer(config: ConfigType,
                    checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu',
                    cfg_options: Optional[Dict] = None,
                    allow_partial_load: bool = False) -> nn.Module:
    """Build the model of a config and load a checkpoint, in eval mode.

    The config is kept on the model as ``model.cfg`` (its test pipeline is
    what :func:`zero_shot_recognize` applies to raw poses).

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint to load. Defaults to ``None``
            (random weights; pretrained text encoders still load).
        device (str | torch.device): Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.
        allow_partial_load (bool): Load a checkpoint whose weights do not
            all fit the model (the rest keep their initial values). Defaults
            to ``False``: such a checkpoint is refused.

    Returns:
        nn.Module: The recognizer.

    Raises:
        ConfigError: If the config has no model or an override key does
            not exist (:func:`vlalign.apis.preflight.check_cfg_options`).
        CheckpointError: If the checkpoint cannot be loaded.
        CheckpointMismatchError: If its weights do not fit the model.
    """
    import vlalign  # noqa: F401  (applies the stack fixes)
    from vlalign.registry import MODELS
    from vlalign.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(config) if isinstance(config, str) else \
        copy.deepcopy(config)
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise ConfigError(f'{getattr(cfg, "filename", config)} has no model')
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint_checked(model, checkpoint, allow_partial_load)
    model.cfg = cfg
    return model.to(device).eval()


def _as_annotation(poses: Union[np.ndarray, Dict],
                   scores: Optional[np.ndarray],
                   img_shape: Optional[Tuple[int, int]]) -> Dict:
    """A PoseDataset annotation from an array ``[T, V, C]``/``[M, T, V, C]``
    (``C`` = 2, or 3 with the score last) or an annotation dict."""
    if isinstance(poses, dict):
        # Copied: mmaction2's pose transforms write into the arrays.
        ann = copy.deepcopy(poses)
        if 'keypoint' not in ann:
            raise DataError(f'annotation "{ann.get("frame_dir", "?")}" has '
                            'no "keypoint"')
    else:
        kp = np.asarray(poses, dtype=np.float32)
        if kp.ndim == 3:
            kp = kp[None]
        if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
            raise DataError(f'poses must be [T, V, C] or [M, T, V, C] with '
                            f'C in (2, 3), got shape {tuple(kp.shape)}')
        ann = dict(frame_dir='input', keypoint=kp[..., :2].copy())
        if kp.shape[-1] == 3:
            ann['keypoint_score'] = kp[..., 2].copy()
        elif scores is not None:
            ann['keypoint_score'] = np.array(scores, dtype=np.float32)
    kp = ann['keypoint']
    if kp.shape[1] == 0:
        raise DataError(f'annotation "{ann.get("frame_dir")}" has 0 frames')
    if not np.isfinite(kp).all():
        raise DataError(f'annotation "{ann.get("frame_dir")}": keypoint '
                        'holds NaN or infinite values')
    if 'keypoint_score' not in ann:
        ann['keypoint_score'] = np.ones(kp.shape[:3], dtype=np.float32)
    if img_shape is not None:
        ann['img_shape'] = tuple(img_shape)
    if 'img_shape' not in ann:
        # Pixel coordinates of an unknown image: use the poses' extent.
        xy = kp.reshape(-1, 2)
        ann['img_shape'] = (int(np.ceil(xy[:, 1].max())) + 1,
                            int(np.ceil(xy[:, 0].max())) + 1)
    ann.setdefault('original_shape', ann['img_shape'])
    ann['total_frames'] = kp.shape[1]
    ann.setdefault('label', -1)
    ann.setdefault('start_index', 0)
    ann.setdefault('modality', 'Pose')
    return ann


def check_label_lengths(model: nn.Module, labels: Sequence[str]) -> None:
    """Warn about labels the text encoder cuts at its ``max_length``, and
    refuse labels that become the same text once cut.

    The texts checked are the ones the model encodes: each label in every
    prompt template, plus its descriptions.

    Args:
        model (nn.Module): A recognizer with ``text_encoder`` (``tokenizer``
            and ``max_length``); others are not checked.
        labels (list[str]): The label texts.

    Raises:
        DataError: If distinct labels give identical token sequences.
    """
    encoder = getattr(model, 'text_encoder', None)
    tokenizer = getattr(encoder, 'tokenizer', None)
    limit = getattr(encoder, 'max_length', None)
    if tokenizer is None or not isinstance(limit, int):
        return
    per_class = expand_class_texts(
        list(labels), getattr(model, 'templates', None) or ('{}', ),
        getattr(model, 'class_text_sources', None) or None)
    cut, owners = {}, {}
    for label, texts in zip(labels, per_class):
        full = tokenizer(list(texts), truncation=False)['input_ids']
        longest = max(len(ids) for ids in full)
        if longest > limit:
            cut[label] = longest
        kept = tokenizer(list(texts), truncation=True,
                         max_length=limit)['input_ids']
        owners.setdefault(tuple(map(tuple, kept)), []).append(label)
    ties = [names for names in owners.values() if len(names) > 1]
    if ties:
        raise DataError(
            f'labels {ties[0]} are identical once the text encoder cuts them '
            f'to max_length={limit} tokens, so they would always tie; shorten '
            'them or raise model.text_encoder.max_length')
    if cut:
        shown = ', '.join(f'"{k}" ({n} tokens)' for k, n in
                          list(cut.items())[:3])
        warnings.warn(f'{len(cut)} label(s) are longer than the text '
                      f'encoder\'s max_length={limit} tokens (with the prompt '
                      f'template) and are cut: {shown}')


@torch.no_grad()
def zero_shot_recognize(model: nn.Module,
                        poses: Union[np.ndarray, Dict],
                        labels: Sequence[str],
                        scores: Optional[np.ndarray] = None,
                        img_shape: Optional[Tuple[int, int]] = None,
                        top_k: Optional[int] = None) -> List[Tuple[str, float]]:
    """Rank any label texts for one pose sequence.

    Args:
        model (nn.Module): From :func:`init_recognizer`.
        poses (np.ndarray | dict): Pixel keypoints ``[T, V, 2|3]`` or
            ``[M, T, V, 2|3]`` (a third channel is the score), or a
            PoseDataset annotation dict.
        labels (list[str]): Class texts to choose from (any, seen or not).
        scores (np.ndarray, optional): Keypoint scores ``[M, T, V]``.
        img_shape (tuple, optional): ``(H, W)`` of the frames; defaults to
            the annotation's, else the extent of the poses.
        top_k (int, optional): Keep the best ``k``. Defaults to all.

    Returns:
        list[tuple[str, float]]: ``(label, probability)``, best first.

    Raises:
        DataError: For repeated labels, or labels the text encoder cuts to
            the same tokens (they would always tie).
        ValueError: For no labels or ``top_k < 1``.
    """
    labels = list(labels)
    if not labels:
        raise ValueError('labels is empty')
    if top_k is not None and top_k < 1:
        raise ValueError(f'top_k must be >= 1, got {top_k}')
    repeated = sorted({t for t in labels if labels.count(t) > 1})
    if repeated:
        raise DataError(f'labels {repeated} are given more than once: each '
                        'would take a share of the probability')
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ConfigError('model has no .cfg: build it with init_recognizer')
    check_label_lengths(model, labels)
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    data = pseudo_collate([pipeline(_as_annotation(poses, scores, img_shape))])
    previous = model.get_class_texts()
    model.set_class_texts(labels)
    try:
        sample = model.test_step(data)[0]
    finally:
        if previous is not None:
            model.set_class_texts(previous)
    probs = sample.pred_score.float().cpu()
    order = probs.argsort(descending=True)[:top_k]
    return [(labels[i], float(probs[i])) for i in order.tolist()]
