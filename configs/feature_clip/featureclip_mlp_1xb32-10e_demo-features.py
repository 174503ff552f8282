# FeatureCLIP on the synthetic feature/narration demo data (CPU, ~20 s):
#   python tools/data/generate_feature_narrations.py \
#       --out-dir data/feature_narrations_demo
#   python tools/train.py \
#       configs/feature_clip/featureclip_mlp_1xb32-10e_demo-features.py
# val = narration retrieval (recall@k both ways), test = zero-shot
# classification with prompt embeddings ("The person in this video is doing
# {label}"). Dims are tiny on purpose; the Ego4D configs keep the originals.
# vlalign's setting (the class defaults): L2-normalised embeddings and a
# CLIP-style exp(s) logit scale; the Ego4D configs use the original's.
# Model selection: none. Both the retrieval (val) and the classification
# (test) sets are made of the held-out videos, so the last epoch is reported
# (epoch_10.pth), no best checkpoint is kept.
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/feature_narrations_demo'
feature_file = data_root + '/features.h5'
visual_dim = 32  # D of the features
text_dim = 24  # C of the narration embeddings
embed_dim = 64  # the shared space
features_per_second = 30 / 16

model = dict(
    type='FeatureCLIP',
    visual_proj=dict(type='ProjectionMLP', in_channels=visual_dim,
                     out_channels=embed_dim, num_layers=2),
    text_proj=dict(type='ProjectionMLP', in_channels=text_dim,
                   out_channels=embed_dim, num_layers=2),
    loss=dict(type='VideoTextContrastiveLoss', label_aware=False),
    init_temperature=0.07,
    max_logit_scale=100.0)

_pairs = dict(type='FeatureNarrationDataset', feature_file=feature_file,
              features_per_second=features_per_second, offset_sec=0.5,
              feature_dim=visual_dim, text_dim=text_dim)
_loader = dict(num_workers=0, persistent_workers=False,
               collate_fn=dict(type='feature_text_collate'))
train_dataloader = dict(
    batch_size=32, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**_pairs, narration_file=data_root + '/narrations_train'),
    **_loader)
val_dataloader = dict(
    batch_size=64,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**_pairs, narration_file=data_root + '/narrations_val',
                 test_mode=True),
    **_loader)
test_dataloader = dict(
    batch_size=64,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='FeatureClassificationDataset',
                 feature_file=feature_file,
                 ann_file=data_root + '/classification_val.json',
                 class_file=data_root + '/classes.txt',
                 class_embedding_file=data_root + '/class_embeddings',
                 features_per_second=features_per_second,
                 feature_dim=visual_dim, text_dim=text_dim, test_mode=True),
    **_loader)

val_evaluator = dict(type='RetrievalMetric', topk=(1, 5, 10))
test_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy', ),
                      metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=3e-3, weight_decay=0.01))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, eta_min=1e-5, by_epoch=True,
         begin=0, end=10, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=32)

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(save_best=None))
randomness = dict(seed=0)
