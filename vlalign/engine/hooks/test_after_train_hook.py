"""Evaluate the best checkpoint on the test set when training ends."""
import os.path as osp

from mmengine.hooks import Hook

from vlalign.registry import HOOKS


@HOOKS.register_module()
class TestAfterTrainHook(Hook):
    """Run the test loop on the best (else the last) weights after training.

    For zero-shot recipes the test set holds the unseen classes, so a
    training run ends with its zero-shot accuracy. Off unless ``enable``;
    ``configs/_base_/default_runtime.py`` lists it disabled so a command line
    can switch it on with ``--cfg-options custom_hooks.1.enable=True``.

    Args:
        enable (bool): Whether to run. Defaults to ``True``.
    """

    priority = 'LOWEST'

    def __init__(self, enable: bool = True) -> None:
        self.enable = enable

    def after_train(self, runner) -> None:
        if not self.enable or runner.cfg.get('test_dataloader') is None:
            return
        ckpt_hooks = [h for h in runner.hooks
                      if type(h).__name__ == 'CheckpointHook']
        best = getattr(ckpt_hooks[0], 'best_ckpt_path', None) \
            if ckpt_hooks else None
        if best and osp.isfile(best):
            runner.logger.info(f'Testing the best checkpoint {best}')
            runner.load_checkpoint(best)
        else:
            runner.logger.info('Testing the final weights')
        runner.test_loop.run()
