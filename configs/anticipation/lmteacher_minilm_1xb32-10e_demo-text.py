# The teacher of the anticipation demo: all-MiniLM-L6-v2 (offline) fine-tuned
# on the text of the last 5 actions, with action, verb and noun heads.
# Then export its predictions (last epoch) for the student:
#   python tools/export_teacher_predictions.py CONFIG work_dirs/.../epoch_10.pth \
#       --out data/anticipation_demo/teacher_predictions.pt
# Model selection: none. The demo data have train and validation splits and
# validation is the split reported, so no best checkpoint is kept and the
# last epoch is reported and exported.
_base_ = [
    '../_base_/datasets/anticipation_demo_text.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='LMActionTeacher',
    text_encoder=dict(type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                      pooling='mean', max_length=64),
    num_actions=49,  # rows of data/anticipation_demo/actions.csv
    num_verbs=12,
    num_nouns=12,
    loss_weights=dict(action=1.0, verb=0.5, noun=0.5),
    class_weighted=False,
    dropout=0.1)

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=10, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
    # the pretrained encoder moves slowly, the new heads fast
    paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.1)}),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, eta_min=1e-6, by_epoch=True,
         begin=1, end=10, convert_to_iter_based=True)
]

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(save_best=None))
# ClassCountsHook sets the class weights when class_weighted=True.
custom_hooks = [dict(type='ClassCountsHook'), dict(type='RNGStateHook')]
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=32)
