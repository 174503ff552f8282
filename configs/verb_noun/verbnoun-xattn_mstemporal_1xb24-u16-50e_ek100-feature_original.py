# The original setting of the EPIC-KITCHENS-100 verb/noun experiments (= its
# phase-2 sweep config 1): the architecture of the vlalign config it inherits
# (1024-d features, C = 512, 2 shared blocks, windows 4/8/16, cross-task
# attention), trained as the original: head dropout 0.5, drop path 0.1,
# label smoothing 0.1, AdamW lr 5e-5 with weight decay 1e-4, gradient clip
# 1.0, cosine annealing with warm restarts (mmengine's CosineRestartLR),
# batch 24, FP16 on a GPU: add `--amp` to tools/train.py (AmpOptimWrapper
# needs CUDA, so the config itself stays fp32).
# Not recorded in the notes, so vlalign's choices: the restart period (10
# epochs, restarts at full lr), 50 epochs, eta_min 1e-6, the encoder's own
# dropout (0.1) and the validation carve (10 % of the training videos).
# The "dropout" of the sweep is the head's (cls_head.dropout).
_base_ = ['./verbnoun-xattn_mstemporal_8xb32-u16-50e_epic-kitchens-100-feature.py']

# the values the phase-2 sweep varies
lr = 5e-5
batch_size = 24
dropout = 0.5
label_smoothing = 0.1
drop_path = 0.1

max_epochs = 50
restart_period = 10
model = dict(
    drop_path=drop_path,
    cls_head=dict(dropout=dropout, label_smoothing=label_smoothing))
train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(_delete_=True, type='AdamW', lr=lr, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='CosineRestartLR',
         periods=[restart_period] * (max_epochs // restart_period),
         restart_weights=[1.0] * (max_epochs // restart_period),
         eta_min=1e-6, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=batch_size)
