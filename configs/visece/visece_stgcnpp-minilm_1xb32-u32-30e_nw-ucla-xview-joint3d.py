# NW-UCLA cross-view on the 3D Kinect joints: the joint recipe with
# UseKeypoint3D + BodyFrame3D (each sequence rotated into a body-centred
# frame: spine along z, shoulders along x) instead of the 2D projections.
# The test view differs from the training views; a 2D projection changes
# with the camera, the body-centred 3D skeleton does not.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint.py']

# The pipelines are written out again: the base's lists were built before
# this file is read. Kinect v1: hip centre 0, spine 1, shoulders 4 / 8.
layout = 'kinect_v1_20'
feats = ['j']
clip_len = 32
normalize = dict(type='BodyFrame3D', spine=(0, 1), shoulders=(8, 4), center=1)

train_pipeline = [
    dict(type='UseKeypoint3D'),
    # Mirrors x about the frame width; BodyFrame3D re-centres it.
    dict(type='SkeletonFlip', layout=layout, flip_ratio=0.5),
    normalize,
    dict(type='SkeletonFeatures', layout=layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UseKeypoint3D'),
    normalize,
    dict(type='SkeletonFeatures', layout=layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UseKeypoint3D'),
    normalize,
    dict(type='SkeletonFeatures', layout=layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=5,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
