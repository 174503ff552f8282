# MSRC-12 cross-subject (3103 train / 3126 test windows) on the 3D Kinect v1
# joints rotated into the body frame: the NW-UCLA joint3d recipe
# (UseKeypoint3D + BodyFrame3D, the same 20-joint layout) with this dataset's
# files and splits, for 10 epochs (~970 iterations, as many as the NW-UCLA
# recipe's 30 epochs: the training set is three times larger); chosen before
# any run. Zero-shot: tools/benchmark_zeroshot.py CONFIG --num-unseen 3
# --seeds 0 1 2.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint3d.py']
data_root = 'data/msrc12'
_files = dict(ann_file=f'{data_root}/msrc12_pyskl.pkl',
              class_file=f'{data_root}/class_names.txt')
train_dataloader = dict(dataset=dict(**_files, split='xsub_train'))
val_dataloader = dict(dataset=dict(**_files, split='xsub_test'))
test_dataloader = dict(dataset=dict(**_files, split='xsub_test'))

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
