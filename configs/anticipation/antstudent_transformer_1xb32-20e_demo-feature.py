# The student of the anticipation demo: a 2-layer transformer over the
# features observed before each segment, trained with cross entropy plus
# distillation (KL at temperature 2, times 2^2) from the exported teacher
# predictions. Needs data/anticipation_demo/teacher_predictions.pt (see the
# teacher config); the *_no-distill config is the same student without it.
# Model selection: none (validation is the split reported): the last epoch
# is reported.
_base_ = [
    '../_base_/datasets/anticipation_demo_feature.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='AnticipationStudent',
    in_channels=32,
    num_actions=49,
    num_verbs=12,
    num_nouns=12,
    num_frames=8,
    embed_dims=64,
    num_layers=2,
    num_heads=4,
    dropout=0.1,
    loss_weights=dict(action=1.0, verb=0.5, noun=0.5),
    distill_loss=dict(type='DistillationKLLoss', temperature=2.0, top_k=None,
                      loss_weight=1.0),
    feature_distill_weight=0.0)

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=19, eta_min=1e-5, by_epoch=True,
         begin=1, end=20, convert_to_iter_based=True)
]

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(save_best=None))
custom_hooks = [dict(type='RNGStateHook')]
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=32)
