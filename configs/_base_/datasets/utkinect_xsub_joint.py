# UTKinect-Action3D (10 classes, 20 Kinect v1 joints as NW-UCLA, 1 person),
# cross-subject protocol: subjects 1, 3, 5, 7, 9 train (100 clips), 2, 4, 6,
# 8, 10 test (99). Data: the PoseDataset pickle of ../shared/data/utkinect
# (`keypoint` 2D projections, `keypoint_3d` metres), placed at
# data/utkinect/. No validation split: val = the test split, recipes report
# the LAST epoch. The NW-UCLA data config with the files and splits swapped.
_base_ = ['./nw_ucla_xview_joint.py']
data_root = 'data/utkinect'
ann_file = f'{data_root}/utkinect_pyskl.pkl'
class_file = f'{data_root}/class_names.txt'
_files = dict(ann_file=ann_file, class_file=class_file)
train_dataloader = dict(dataset=dict(**_files, split='xsub_train'))
val_dataloader = dict(dataset=dict(**_files, split='xsub_test'))
test_dataloader = dict(dataset=dict(**_files, split='xsub_test'))
