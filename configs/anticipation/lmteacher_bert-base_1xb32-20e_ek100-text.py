# Original setting, EPIC-KITCHENS-100: a pretrained BERT fine-tuned on the
# text of the past actions of each segment (train split), multi-task
# action/verb/noun, class-weighted cross entropy (EK100 is long-tailed).
# Data: the published annotations in data/epic100/ plus
#   python tools/data/build_action_map.py data/epic100/EPIC_100_train.csv \
#       --verb-classes data/epic100/EPIC_100_verb_classes.csv \
#       --noun-classes data/epic100/EPIC_100_noun_classes.csv \
#       --out data/epic100/actions.csv
# `num_actions` must equal the rows of that actions.csv (the tool prints it).
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/epic100'
common = dict(
    type='ActionHistoryTextDataset',
    action_file=f'{data_root}/actions.csv',
    verb_class_file=f'{data_root}/EPIC_100_verb_classes.csv',
    noun_class_file=f'{data_root}/EPIC_100_noun_classes.csv',
    hist_len=5,
    min_hist_len=1)
# Model selection: the EPIC-100 validation split is the split reported (the
# test labels are hidden), so the best checkpoint is chosen on 10 % of the
# training videos, carved with a fixed seed (RandomSplitDataset, whole videos)
# and left out of training.
val_carve = dict(type='RandomSplitDataset', val_fraction=0.1, seed=0,
                 group_by='video_id')
train_csv = f'{data_root}/EPIC_100_train.csv'
train_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**val_carve, part='train',
                 dataset=dict(ann_file=train_csv, **common)))
val_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**val_carve, part='val',
                 dataset=dict(ann_file=train_csv, test_mode=True, **common)))
test_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(ann_file=f'{data_root}/EPIC_100_validation.csv',
                 test_mode=True, **common))
val_evaluator = [dict(type='AnticipationMetric')]
test_evaluator = val_evaluator

model = dict(
    type='LMActionTeacher',
    text_encoder=dict(type='BertTextEncoder', pretrained='bert-base-uncased',
                      pooling='cls', max_length=128),
    num_actions=3806,  # check: the count build_action_map.py prints
    num_verbs=97,
    num_nouns=300,
    loss_weights=dict(action=1.0, verb=0.5, noun=0.5),
    class_weighted=True,
    class_weight_power=0.5,
    dropout=0.1)

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.1)}),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=19, eta_min=1e-6, by_epoch=True,
         begin=1, end=20, convert_to_iter_based=True)
]
default_hooks = dict(
    checkpoint=dict(save_best='anticipation/action/mean_top5_recall',
                    rule='greater'))
custom_hooks = [dict(type='ClassCountsHook'), dict(type='RNGStateHook')]
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=32)
