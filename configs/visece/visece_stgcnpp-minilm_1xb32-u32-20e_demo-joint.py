# The demo recipe (`make demo`): Visece with ST-GCN++ on joints and a frozen
# all-MiniLM-L6-v2, trained on the seen classes of the embedded demo data;
# val = seen classes, test = zero-shot on the unseen classes.
_base_ = [
    '../_base_/models/visece_stgcnpp_minilm.py',
    '../_base_/datasets/demo_skeleton_joint.py',
    '../_base_/schedules/adamw_cosine_20e.py',
    '../_base_/default_runtime.py'
]
# The graph's layout is the data config's (named once there).
model = dict(
    video_encoder=dict(backbone=dict(graph_cfg=dict(layout=_base_.layout))))

default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
