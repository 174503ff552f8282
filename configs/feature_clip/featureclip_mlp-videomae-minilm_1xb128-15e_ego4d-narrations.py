# FeatureCLIP, the original setting: Ego4D VideoMAE video features (768-d,
# 30/16 features per second) against all-MiniLM-L6-v2 narration embeddings
# (384-d, offline: `--model all-MiniLM-L6-v2`). Everything else (AdamW lr 1e-4
# betas (0.98, 0.9) eps 1e-6, 15 epochs, no scheduler, offset_sec=2, Xavier
# init, raw logit scale clamped after each step) as the Omnivore config.
_base_ = ['./featureclip_mlp-omnivore-mpnet_1xb128-15e_ego4d-narrations.py']

visual_dim = 768
text_dim = 384
embed_dim = 768
feature_file = 'data/ego4d/videomae_features.h5'
_data = dict(feature_file=feature_file, feature_dim=visual_dim,
             text_dim=text_dim)

model = dict(
    visual_proj=dict(in_channels=visual_dim, out_channels=embed_dim),
    text_proj=dict(in_channels=text_dim, out_channels=embed_dim))

train_dataloader = dict(dataset=dict(
    **_data, narration_file='data/ego4d/narrations_minilm_train'))
val_dataloader = dict(dataset=dict(
    **_data, narration_file='data/ego4d/narrations_minilm_val'))
test_dataloader = dict(dataset=dict(
    feature_file='data/charades_ego/videomae_features.h5',
    class_embedding_file='data/charades_ego/classes_minilm',
    feature_dim=visual_dim, text_dim=text_dim))
