# Shared by the stage-2 configs: the feature data, the runtime, and the
# iteration-based ZSLTrainLoop (calibration fold, fit on the seen classes,
# finalize). Only the last checkpoint is kept; nothing is chosen on the
# test split.
_base_ = ['../_base_/datasets/two_stage_feature.py',
          '../_base_/default_runtime.py']
text_encoder = dict(type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                    pooling='mean', max_length=128, frozen=True)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=-1,
                    save_last=True, save_best=None, max_keep_ckpts=1),
    logger=dict(type='LoggerHook', interval=500, ignore_last=False))
log_processor = dict(by_epoch=False)
calibration = dict(enable=True, num_heldout=None, holdout_fraction=0.2)
param_scheduler = []
randomness = dict(seed=0)
