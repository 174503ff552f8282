# VisecePACL: frame-level, text-weighted pooling. The video encoder keeps
# per-frame 512-d features (no final Linear); the residual PACL embedder maps
# every frame 512 -> 256, the text side goes BERT-base -> Linear 768 -> 256.
# The notes give no learning rates for the PACL runs: visece/debug3's are used.
_base_ = ['../visece/visece_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(
    type='VisecePACL',
    video_encoder=dict(out_channels=None),
    video_embedder=dict(
        _delete_=True, type='PACLEmbedder', in_channels=512, out_channels=256),
    pooling='val_mod',
    weight='softmax',
    normalize_output=True,
    train_mode='pair',
    test_cfg=dict(class_chunk_size=64))
