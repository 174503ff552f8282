# vlalign's contrastive alignment on stage-1 features (AlignZSLHead): the
# feature-level Visece / FeatureCLIP. Feature projection 2-layer MLP (512
# hidden, dropout 0.1) and text projection Linear into 256-d, label-aware
# symmetric InfoNCE, learnable logit scale from 1/0.07 clamped to [1, 100]
# (vlalign's defaults, configs/_base_/models/visece_stgcnpp_minilm.py and
# configs/feature_clip); AdamW lr 1e-3, weight decay 0.01, batch 64, 100
# epochs, cosine to 1e-5 (vlalign's schedule, adamw_cosine_20e.py). Class
# texts: the class names, frozen all-MiniLM-L6-v2.
_base_ = ['./_base_.py']
model = dict(
    type='AlignZSLHead',
    protocol={{_base_.protocol}},
    feature_dim=128,
    text=dict(encoder={{_base_.text_encoder}}, templates=('{}', )),
    embed_dim=256,
    hidden=512,
    dropout=0.1,
    init_temperature=0.07)
train_cfg = dict(type='ZSLTrainLoop', max_epochs=100,
                 calibration={{_base_.calibration}})
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=100, eta_min=1e-5, by_epoch=True,
         begin=0, end=100, convert_to_iter_based=True)
]
