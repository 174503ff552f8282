# Teacher data: the text of the last `hist_len` actions -> the next action, on
# the synthetic demo (python tools/data/generate_anticipation_demo.py).
dataset_type = 'ActionHistoryTextDataset'
data_root = 'data/anticipation_demo'
common = dict(
    action_file=f'{data_root}/actions.csv',
    verb_class_file=f'{data_root}/EPIC_100_verb_classes.csv',
    noun_class_file=f'{data_root}/EPIC_100_noun_classes.csv',
    hist_len=5,
    min_hist_len=1)

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type,
                 ann_file=f'{data_root}/EPIC_100_train.csv', **common))
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
