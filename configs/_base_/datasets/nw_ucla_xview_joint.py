# NW-UCLA (10 classes, 20 Kinect v1 joints projected to 640x480 pixels, 1
# person), cross-view protocol: views 1, 2 train (1020), view 3 test (464).
# Data: the PoseDataset pickle of tools/data/convert_nw_ucla.py (or
# ../shared/data/nw_ucla), placed at data/nw_ucla/. NW-UCLA has no
# validation split: val = the test split, and recipes report the LAST
# epoch (no best-checkpoint choice on test data).
dataset_type = 'PoseTextDataset'
data_root = 'data/nw_ucla'
ann_file = f'{data_root}/nw_ucla_pyskl.pkl'
class_file = f'{data_root}/class_names.txt'
layout = 'kinect_v1_20'
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
        split='xview_train',
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
        split='xview_test',
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
        split='xview_test',
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
