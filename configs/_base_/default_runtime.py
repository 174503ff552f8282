default_scope = 'vlalign'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, save_best='auto', max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

# ClassTextsHook gives the recognizer the class names of the dataset it trains
# or evaluates on. TestAfterTrainHook (off; `--cfg-options
# custom_hooks.1.enable=True`) tests the best checkpoint when training ends:
# with unseen classes in the test set, a run ends with its zero-shot accuracy.
# RNGStateHook reseeds every training epoch from (seed, epoch), so a run
# resumed after a crash repeats an uninterrupted one exactly.
custom_hooks = [
    dict(type='ClassTextsHook'),
    dict(type='TestAfterTrainHook', enable=False),
    dict(type='RNGStateHook')
]

# nccl on GPU; tools/train.py switches to gloo on CPU-only machines.
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
