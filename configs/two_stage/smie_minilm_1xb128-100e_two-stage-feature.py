# SMIE (Zhou et al., "Zero-shot Skeleton-based Action Recognition via
# Mutual Information Estimation and Maximization", ACM MM 2023) on stage-1
# features. Hyper-parameters of YujieOuO/SMIE config.py, procedure.py and
# model.py: critic MLP (C + E) -> 1024 -> 512 -> 1 on layer-normalised
# features, Jensen-Shannon MI bound with batch-rolled negatives; Adam lr
# 1e-5, no weight decay, batch 128, 100 epochs, lr warmed up linearly over
# 15 epochs then cosine to 0 at epoch 100; temporal constraint with margin
# 0.1, weight 0.5, 15 of 50 frames masked twice (motion attention, then at
# random) on the per-frame features (frames=True: extract with --frames).
_base_ = ['./_base_.py']
frames = True
model = dict(
    type='SMIEHead',
    protocol={{_base_.protocol}},
    feature_dim=128,
    text=dict(encoder={{_base_.text_encoder}}, templates=('{}', )),
    hidden=(1024, 512),
    temporal=True,
    margin=0.1,
    temporal_weight=0.5,
    mask_ratio=15 / 50)
train_dataloader = dict(batch_size=128, dataset=dict(frames=frames))
test_dataloader = dict(dataset=dict(frames=frames))
train_cfg = dict(type='ZSLTrainLoop', max_epochs=100,
                 calibration={{_base_.calibration}})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-5, weight_decay=0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1 / 15, end_factor=1.0, by_epoch=True,
         begin=0, end=15, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=85, eta_min=0, by_epoch=True,
         begin=15, end=100, convert_to_iter_based=True)
]
