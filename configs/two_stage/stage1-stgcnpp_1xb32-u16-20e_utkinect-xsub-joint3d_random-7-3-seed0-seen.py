# Stage 1 of the two-stage zero-shot protocol on UTKinect-Action3D (Kinect
# v1, 10 actions, 10 subjects x 2 runs), cross-subject (odd / even
# subjects): the NW-UCLA stage-1 recipe (ST-GCN++ RecognizerGCN on 3D joints
# in the body frame) trained on the 7 seen classes of the seeded protocol
# utkinect_random_7-3_seed0. 20 epochs: the training split has 100 clips.
_base_ = ['./stage1-stgcnpp_1xb32-u16-15e_nw-ucla-xview-joint3d_purls-8-2-seen.py']
protocol = 'utkinect_random_7-3_seed0'
seen_file = f'vlalign/classes/data/protocols/{protocol}/seen.txt'
num_seen = 7
data_root = 'data/utkinect'
ann_file = f'{data_root}/utkinect_pyskl.pkl'
class_file = f'{data_root}/class_names.txt'

model = dict(cls_head=dict(num_classes=num_seen))
_data = dict(ann_file=ann_file, class_file=class_file, class_subset=seen_file)
train_dataloader = dict(dataset=dict(split='xsub_train', **_data))
val_dataloader = dict(dataset=dict(split='xsub_test', **_data))
test_dataloader = val_dataloader

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=20)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
