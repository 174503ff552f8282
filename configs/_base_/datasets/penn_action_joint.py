# Penn Action (15 classes, 13 hand-annotated 2D joints, 1 person), official
# split (train 1258 / test 1068), joint coordinates for graph networks.
# Data: the PoseDataset pickle of tools/data/convert_penn_action.py (or
# ../shared/data/penn_action), placed at data/penn_action/. Penn Action has
# no validation split: val = the test split, and recipes report the LAST
# epoch (no best-checkpoint choice on test data).
dataset_type = 'PoseTextDataset'
data_root = 'data/penn_action'
ann_file = f'{data_root}/penn_action_pyskl.pkl'
class_file = f'{data_root}/class_names.txt'
layout = 'penn13'
feats = ['j']
clip_len = 32

train_pipeline = [
    dict(type='SkeletonFlip', layout=layout, flip_ratio=0.5),
    dict(type='PreNormalize2D'),
    dict(type='SkeletonFeatures', layout=layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='SkeletonFeatures', layout=layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='SkeletonFeatures', layout=layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        class_file=class_file,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        class_file=class_file,
        split='test',
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        class_file=class_file,
        split='test',
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
