# The supervised baseline of the original experiments: mmaction2's PoseC3D
# Recognizer3D (SlowOnly-R50 on joint heatmaps) with a linear classifier,
# AdamW lr 0.01, 24 epochs.
# The original experiments chose their best epoch on xsub_val, the test
# split, so their figure is not quoted (see this folder's README.md).
_base_ = [
    '../_base_/datasets/ntu60_xsub_2d_heatmap.py',
    '../_base_/schedules/adamw_24e_lr_groups.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        in_channels=17,
        base_channels=32,
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(4, 6, 3),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='I3DHead',
        in_channels=512,
        num_classes=60,
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))

optim_wrapper = dict(optimizer=dict(lr=0.01), paramwise_cfg=dict(
    _delete_=True))
# A closed-set classifier has no class texts.
custom_hooks = []
