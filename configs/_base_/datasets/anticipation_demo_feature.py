# Student data: features observed before each segment (2 s ending tau_a = 1 s
# before it) -> the next action, joined by uid with the teacher's exported
# predictions (tools/export_teacher_predictions.py).
dataset_type = 'AnticipationFeatureDataset'
data_root = 'data/anticipation_demo'
teacher_file = f'{data_root}/teacher_predictions.pt'
common = dict(
    action_file=f'{data_root}/actions.csv',
    verb_class_file=f'{data_root}/EPIC_100_verb_classes.csv',
    noun_class_file=f'{data_root}/EPIC_100_noun_classes.csv',
    feature_file=f'{data_root}/features.h5',
    video_fps=60.0,
    feature_fps=10.0,
    tau_a=1.0,
    obs_sec=2.0,
    num_obs=8)

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type,
                 ann_file=f'{data_root}/EPIC_100_train.csv',
                 teacher_file=teacher_file, **common))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type,
                 ann_file=f'{data_root}/EPIC_100_validation.csv',
                 test_mode=True, **common))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AnticipationMetric')]
test_evaluator = val_evaluator
