# Original setting, EPIC-KITCHENS-100: the student reads precomputed RGB
# features (e.g. RULSTM's 1024-d TSN features at 30 fps, stored with
# tools/data/build_feature_store.py in an HDF5 store keyed by video id) over
# the 2 s ending tau_a = 1 s before each segment, and is distilled from the
# BERT teacher's exported predictions:
#   python tools/export_teacher_predictions.py \
#       configs/anticipation/lmteacher_bert-base_1xb32-20e_ek100-text.py \
#       CHECKPOINT --out data/epic100/teacher_predictions.pt --splits train val
# (train + val = both parts of the teacher's carve: every training segment).
# Model selection: as the teacher, on 10 % of the training videos (the same
# seeded carve); the EPIC-100 validation split is only tested.
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/epic100'
common = dict(
    type='AnticipationFeatureDataset',
    action_file=f'{data_root}/actions.csv',
    verb_class_file=f'{data_root}/EPIC_100_verb_classes.csv',
    noun_class_file=f'{data_root}/EPIC_100_noun_classes.csv',
    feature_file=f'{data_root}/features/rgb_tsn.h5',
    video_fps=60.0,
    feature_fps=30.0,
    tau_a=1.0,
    obs_sec=2.0,
    num_obs=8)
val_carve = dict(type='RandomSplitDataset', val_fraction=0.1, seed=0,
                 group_by='video_id')
train_csv = f'{data_root}/EPIC_100_train.csv'
train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**val_carve, part='train',
                 dataset=dict(ann_file=train_csv,
                              teacher_file=f'{data_root}/teacher_predictions.pt',
                              **common)))
val_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**val_carve, part='val',
                 dataset=dict(ann_file=train_csv, test_mode=True, **common)))
test_dataloader = dict(
    batch_size=64, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(ann_file=f'{data_root}/EPIC_100_validation.csv',
                 test_mode=True, **common))
val_evaluator = [dict(type='AnticipationMetric')]
test_evaluator = val_evaluator

model = dict(
    type='AnticipationStudent',
    in_channels=1024,
    num_actions=3806,  # must match the teacher's actions.csv
    num_verbs=97,
    num_nouns=300,
    num_frames=8,
    embed_dims=512,
    num_layers=4,
    num_heads=8,
    dropout=0.2,
    loss_weights=dict(action=1.0, verb=0.5, noun=0.5),
    # KL at T = 5 on the teacher's top-50 actions, times T^2
    distill_loss=dict(type='DistillationKLLoss', temperature=5.0, top_k=50,
                      loss_weight=1.0),
    feature_distill_weight=0.0)

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=45, eta_min=1e-6, by_epoch=True,
         begin=5, end=50, convert_to_iter_based=True)
]
default_hooks = dict(
    checkpoint=dict(save_best='anticipation/action/mean_top5_recall',
                    rule='greater'))
custom_hooks = [dict(type='RNGStateHook')]
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=32)
