# Visece trained on three real Kinect v1 datasets at once (NW-UCLA,
# UTKinect-Action3D, MSRC-12: 20 joints in the same SDK order, 3D joints in
# the body frame), each with its own class names: one model for any list of
# action names. MultiPoseTextDataset labels every sample by its own
# dataset's class in the union of the 28 distinct names and cycles each
# dataset to the largest one's size (balanced); the in-batch contrastive
# negatives span all datasets. The model and the 3D pipelines are those of
# the NW-UCLA 3D recipe (its layout is the data config's, named once there).
#
# Budget: 300 iterations of 32 clips (~2.5 min on 2 CPU cores), fixed before
# any run and the same for every fold of the leave-one-dataset-out
# benchmark: tools/benchmark_cross_dataset.py CONFIG (configs/cross_dataset/
# README.md). No validation: nothing is selected, the last checkpoint is the
# model. Data: data/{nw_ucla,utkinect,msrc12}/ as in their data configs.
_base_ = ['../visece/visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint3d.py']

# The datasets trained on, by name: pickle, label file, training split and
# the description source of their classes (the -desc recipe and the
# benchmark's "names + descriptions" runs use it). The benchmark holds out
# one at a time and tests on all its samples.
cross_datasets = dict(
    nw_ucla=dict(ann_file='data/nw_ucla/nw_ucla_pyskl.pkl',
                 class_file='data/nw_ucla/class_names.txt',
                 split='xview_train', text_source='purls:nw_ucla:global'),
    utkinect=dict(ann_file='data/utkinect/utkinect_pyskl.pkl',
                  class_file='data/utkinect/class_names.txt',
                  split='xsub_train', text_source='vlalign:utkinect'),
    msrc12=dict(ann_file='data/msrc12/msrc12_pyskl.pkl',
                class_file='data/msrc12/class_names.txt',
                split='xsub_train', text_source='vlalign:msrc12'))

train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='MultiPoseTextDataset',
    balance=True,
    datasets=[
        dict(type='PoseTextDataset', ann_file=d['ann_file'],
             class_file=d['class_file'], split=d['split'],
             pipeline=_base_.train_pipeline)
        for d in cross_datasets.values()
    ]))
# tools/test.py: NW-UCLA's test view with its own 10 names; any other label
# list with tools/zeroshot.py --labels (the benchmark tests each held-out
# dataset this way). One clip per sequence: the held-out MSRC-12 has 6229.
test_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None

max_iters = 300
warmup_iters = 30
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', T_max=max_iters - warmup_iters,
         eta_min=1e-5, by_epoch=False, begin=warmup_iters, end=max_iters)
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, save_best=None,
                    max_keep_ckpts=1),
    logger=dict(interval=20))
log_processor = dict(by_epoch=False)
