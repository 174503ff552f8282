# MSRC-12 Kinect gestures (12 classes, 20 Kinect v1 joints as NW-UCLA, 1
# person; 19-frame windows around each action point), cross-subject
# protocol: odd person ids train (3103), even test (3126). Data: the
# PoseDataset pickle of ../shared/data/msrc12 (`keypoint` 2D projections,
# `keypoint_3d` metres), placed at data/msrc12/. No validation split: val =
# the test split, recipes report the LAST epoch. The NW-UCLA data config
# with the files and splits swapped.
_base_ = ['./nw_ucla_xview_joint.py']
data_root = 'data/msrc12'
ann_file = f'{data_root}/msrc12_pyskl.pkl'
class_file = f'{data_root}/class_names.txt'
_files = dict(ann_file=ann_file, class_file=class_file)
train_dataloader = dict(dataset=dict(**_files, split='xsub_train'))
val_dataloader = dict(dataset=dict(**_files, split='xsub_test'))
test_dataloader = dict(dataset=dict(**_files, split='xsub_test'))
