"""Clamp learnable logit scales in place after every optimizer step."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vlalign.models.layers.logit_scale import LogitScale
from vlalign.registry import HOOKS


@HOOKS.register_module()
class LogitScaleClampHook(Hook):
    """After each training iteration, ``clamp_()`` every
    :class:`~vlalign.models.layers.LogitScale` of the model.

    The original FeatureCLIP notebook clamped its logit-scale parameter in
    place after each step (``logit_scale.data.clamp_(0, log(100))``) instead
    of clamping it inside the forward pass; with ``LogitScale(mode='raw')``
    this hook does the same (``configs/feature_clip/*_ego4d-narrations.py``).
    For ``mode='exp'`` it also keeps the stored parameter in range. Clamping
    is idempotent, so iterations that only accumulate gradients are
    unaffected.
    """

    # After OptimWrapper.update_params (inside the train step) and before
    # CheckpointHook (VERY_LOW) saves the weights.
    priority = 'NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        for module in model.modules():
            if isinstance(module, LogitScale):
                module.clamp_()
