# Generated EPIC-100 style data (python tools/data/generate_epic_demo.py
# --out-dir data/epic_demo): the published CSV formats, 8 verbs, 10 nouns,
# 32-d features at 10 rows per second in per-video .npy files.
dataset_type = 'EpicVerbNounDataset'
data_root = 'data/epic_demo'
feature_dir = f'{data_root}/features'
verb_class_file = f'{data_root}/EPIC_100_verb_classes.csv'
noun_class_file = f'{data_root}/EPIC_100_noun_classes.csv'
num_frames = 16
feature_fps = 10.0

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/EPIC_100_train.csv',
        feature_dir=feature_dir,
        verb_class_file=verb_class_file,
        noun_class_file=noun_class_file,
        num_frames=num_frames,
        feature_fps=feature_fps))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/EPIC_100_validation.csv',
        feature_dir=feature_dir,
        verb_class_file=verb_class_file,
        noun_class_file=noun_class_file,
        num_frames=num_frames,
        feature_fps=feature_fps,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='VerbNounMetric', topk=(1, 5))
test_evaluator = val_evaluator
