# Supervised Penn Action with the CPU recipe: Visece (ST-GCN++ on the 13
# joints, frozen all-MiniLM-L6-v2) classifying by the 15 class names.
# Reported: top-1 of the last epoch on the official test split.
_base_ = [
    '../_base_/models/visece_stgcnpp_minilm.py',
    '../_base_/datasets/penn_action_joint.py',
    '../_base_/schedules/adamw_cosine_20e.py',
    '../_base_/default_runtime.py'
]
# The graph's layout is the data config's (named once there).
model = dict(
    video_encoder=dict(backbone=dict(graph_cfg=dict(layout=_base_.layout))))

max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
# No best-checkpoint selection: val is the test split.
default_hooks = dict(
    checkpoint=dict(save_best=None, max_keep_ckpts=1),
    logger=dict(interval=10))
randomness = dict(seed=0)
