# FeatureCLIP, the original setting (the Ego4D notebook): Ego4D Omnivore
# (Swin-L) video features, 1536-d at 30/16 features per second, against
# all-mpnet-base-v2 narration embeddings (768-d), batch 128, 15 epochs;
# AdamW lr 1e-4, betas (0.98, 0.9), eps 1e-6, no scheduler; window +-2 s
# around each narration (offset_sec=2); projections initialised Xavier-
# uniform with ReLU gain and zero bias; logit scale = the raw parameter
# (init log(1/0.07) ~ 2.66) times UNNORMALISED projections, clamped to
# [0, log 100] in place after each step (LogitScaleClampHook).
# vlalign's own setting (the class defaults, used by the demo config):
# L2-normalised embeddings and a CLIP-style exp(s) scale clamped in forward.
# Validation: retrieval on held-out Ego4D narrations (best checkpoint by
# retrieval/mean_recall); test: zero-shot classification on another data set
# (Charades-Ego), which no choice reads. Charades-Ego class names are encoded
# as they are (the original); Kinetics class names get the prompt "The person
# in this video is doing {label}".
# Data preparation (more in docs/feature_clip.md):
#   python tools/data/build_feature_store.py FEATURE_DIR \
#       data/ego4d/omnivore_video_swinl.h5 --expected-dim 1536
#   python tools/data/encode_narrations.py narration.json \
#       data/ego4d/narrations_mpnet_train \
#       --model sentence-transformers/all-mpnet-base-v2 \
#       --video-list data/ego4d/train_videos.txt
#   (the same with val_videos.txt -> data/ego4d/narrations_mpnet_val)
#   python tools/data/encode_narrations.py \
#       --classes data/charades_ego/classes.txt \
#       data/charades_ego/classes_mpnet \
#       --model sentence-transformers/all-mpnet-base-v2 --prompt '{label}'
# Not recorded in the notes, so vlalign's choices: weight decay (torch's
# AdamW default, 0.01) and the projection width (= the feature width).
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/ego4d'
feature_file = data_root + '/omnivore_video_swinl.h5'
train_narrations = data_root + '/narrations_mpnet_train'
val_narrations = data_root + '/narrations_mpnet_val'
zs_root = 'data/charades_ego'
zs_feature_file = zs_root + '/omnivore_video_swinl.h5'
zs_class_embeddings = zs_root + '/classes_mpnet'
visual_dim = 1536
text_dim = 768
embed_dim = 1536
features_per_second = 30 / 16
offset_sec = 2.0  # window [t - 2 s, t + 2 s] around each narration

# Xavier-uniform with gain = torch.nn.init.calculate_gain('relu') = sqrt(2).
xavier_relu = dict(type='Xavier', layer='Linear', gain=1.4142135623730951,
                   distribution='uniform', bias=0.0)
model = dict(
    type='FeatureCLIP',
    visual_proj=dict(type='ProjectionMLP', in_channels=visual_dim,
                     out_channels=embed_dim, num_layers=2,
                     init_cfg=xavier_relu),
    text_proj=dict(type='ProjectionMLP', in_channels=text_dim,
                   out_channels=embed_dim, num_layers=2,
                   init_cfg=xavier_relu),
    loss=dict(type='VideoTextContrastiveLoss', label_aware=False),
    init_temperature=0.07,
    max_logit_scale=100.0,
    normalize=False,
    logit_scale_mode='raw')

_pairs = dict(type='FeatureNarrationDataset', feature_file=feature_file,
              features_per_second=features_per_second, offset_sec=offset_sec,
              feature_dim=visual_dim, text_dim=text_dim,
              missing_keys='skip')  # Ego4D has narrations of unfeatured videos
_loader = dict(num_workers=8, persistent_workers=True,
               collate_fn=dict(type='feature_text_collate'))
train_dataloader = dict(
    batch_size=128, drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**_pairs, narration_file=train_narrations),
    **_loader)
val_dataloader = dict(
    batch_size=256,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**_pairs, narration_file=val_narrations, test_mode=True),
    **_loader)
test_dataloader = dict(
    batch_size=256,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='FeatureClassificationDataset',
                 feature_file=zs_feature_file,
                 ann_file=zs_root + '/test.json',
                 class_file=zs_root + '/classes.txt',
                 class_embedding_file=zs_class_embeddings,
                 features_per_second=features_per_second,
                 feature_dim=visual_dim, text_dim=text_dim, test_mode=True),
    **_loader)

val_evaluator = dict(type='RetrievalMetric', topk=(1, 5, 10))
test_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy', ),
                      metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=15, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(optimizer=dict(
    type='AdamW', lr=1e-4, betas=(0.98, 0.9), eps=1e-6, weight_decay=0.01))
param_scheduler = []  # none: a constant learning rate, as the original
auto_scale_lr = dict(enable=False, base_batch_size=128)

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(save_best='retrieval/mean_recall', rule='greater'))
custom_hooks = [
    dict(type='ClassTextsHook'),
    dict(type='TestAfterTrainHook', enable=False),
    dict(type='RNGStateHook'),
    dict(type='LogitScaleClampHook'),  # the in-place clamp after each step
]
randomness = dict(seed=0)
