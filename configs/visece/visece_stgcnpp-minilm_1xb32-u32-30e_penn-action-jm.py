# Penn Action, joint-motion stream (each joint in frame t+1 minus frame t), in
# the CPU recipe (Visece, ST-GCN++ on the 13 joints, frozen all-MiniLM-L6-v2):
# the joint recipe with SkeletonFeatures(feats=['jm']) in every pipeline. Fuse
# the test scores (tools/test.py --dump) of the streams with
# tools/analysis/fuse_scores.py.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_penn-action-joint.py']

# The pipelines are written out again: the base's lists were built with its
# own `feats` before this file is read, so changing `feats` alone would not
# reach them.
# The layout is the data config's (`_base_.layout`, named once there), the
# same the model's graph takes.
feats = ['jm']
clip_len = 32

train_pipeline = [
    dict(type='SkeletonFlip', layout=_base_.layout, flip_ratio=0.5),
    dict(type='PreNormalize2D'),
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
