# NW-UCLA cross-view on the 3D Kinect joints: the joint recipe with
# UseKeypoint3D + BodyFrame3D (each sequence rotated into a body-centred
# frame: spine along z, shoulders along x) instead of the 2D projections.
# The test view differs from the training views; a 2D projection changes
# with the camera, the body-centred 3D skeleton does not.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint.py']

# The pipelines are written out again: the base's lists were built before
# this file is read. The layout is the data config's (`_base_.layout`, named
# once there); BodyFrame3D names its joints, so any order of the Kinect v1
# joints (a layout dict) works.
feats = ['j']
clip_len = 32
normalize = dict(
    type='BodyFrame3D',
    layout=_base_.layout,
    spine=('hip_center', 'spine'),
    shoulders=('right_shoulder', 'left_shoulder'),
    center='spine')

train_pipeline = [
    dict(type='UseKeypoint3D'),
    # Mirrors x about the frame width; BodyFrame3D re-centres it.
    dict(type='SkeletonFlip', layout=_base_.layout, flip_ratio=0.5),
    normalize,
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UseKeypoint3D'),
    normalize,
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UseKeypoint3D'),
    normalize,
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
