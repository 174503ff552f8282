# Stage 1 of the two-stage zero-shot protocol (SynSE, Gupta et al. ICIP 2021;
# SA-DVAE, Li et al. ECCV 2024): a supervised skeleton encoder trained with
# cross-entropy on the SEEN classes only, whose pooled features
# tools/extract_features.py then writes for the stage-2 methods.
# mmaction2's RecognizerGCN + ST-GCN++ (STGCN, adaptive graph, multi-scale
# TCN) + GCNHead on NW-UCLA cross-view, 3D joints in the body frame (the
# data of the Visece joint3d recipe), protocol nw-ucla_purls_8-2 (PURLS,
# Zhu et al. CVPR 2024): 8 seen / 2 unseen. Validation and test read the
# seen classes of the test view only, and no checkpoint is chosen on them
# (the last epoch is kept). 16-frame clips and 15 epochs (the joint3d
# recipe: 32 and 30) to fit a shared 2-core CPU.
_base_ = [
    '../visece/visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint3d.py'
]
protocol = 'nw-ucla_purls_8-2'
seen_file = f'vlalign/classes/data/protocols/{protocol}/seen.txt'
num_seen = 8

model = dict(
    _delete_=True,
    type='RecognizerGCN',
    backbone=dict(
        # mmaction2's STGCN on the data config's layout, named once there.
        type='LayoutSTGCN',
        graph_cfg=dict(layout=_base_.layout, mode='spatial'),
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        base_channels=32,
        num_stages=6,
        inflate_stages=[3, 5],
        down_stages=[3, 5]),
    cls_head=dict(type='GCNHead', num_classes=num_seen, in_channels=128),
    data_preprocessor=dict(type='ActionDataPreprocessor'))

clip_len = 16
normalize = _base_.normalize  # BodyFrame3D of the joint3d recipe
train_pipeline = [
    dict(type='UseKeypoint3D'),
    dict(type='SkeletonFlip', layout=_base_.layout, flip_ratio=0.5),
    normalize,
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=['j']),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UseKeypoint3D'),
    normalize,
    dict(type='SkeletonFeatures', layout=_base_.layout, feats=['j']),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(class_subset=seen_file,
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(class_subset=seen_file,
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
# A supervised classifier over the seen classes: no class texts.
custom_hooks = [dict(type='RNGStateHook')]

max_epochs = 15
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
