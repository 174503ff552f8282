# Demo: the verb/noun cross-attention recognizer on generated EPIC-100 style
# data. Generate the data, then train (well under a minute on a CPU):
#   python tools/data/generate_epic_demo.py --out-dir data/epic_demo
#   python tools/train.py configs/verb_noun/verbnoun-xattn_mstemporal_1xb16-u16-15e_epic-demo-feature.py
# Model selection: none. The demo data have train and validation splits and
# validation is the split reported, so the last epoch is reported and no
# best checkpoint is kept.
_base_ = [
    '../_base_/models/verbnoun_xattn_mstemporal.py',
    '../_base_/datasets/epic_demo_verb_noun_feature.py',
    '../_base_/default_runtime.py'
]

model = dict(
    in_channels=32,
    embed_dims=64,
    max_frames=16,
    cls_head=dict(num_verbs=8, num_nouns=10, dropout=0.2))

max_epochs = 15
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1,
    val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=16)

# TrainValGapHook logs train/<acc> and gap/<acc> = val - train each epoch.
custom_hooks = [
    dict(type='ClassTextsHook'),
    dict(type='TestAfterTrainHook', enable=False),
    dict(type='RNGStateHook'),
    dict(type='TrainValGapHook')
]
default_hooks = dict(logger=dict(interval=4),
                     checkpoint=dict(save_best=None))
log_processor = dict(window_size=4)
randomness = dict(seed=0)
