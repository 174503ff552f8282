# VisecePACL on Penn Action with the CPU recipe: ST-GCN++ per-frame features
# (128-d, the video encoder without its Linear), the residual PACL embedder
# 128 -> 384 on every frame, frames weighted per class text of the frozen
# all-MiniLM-L6-v2 (384-d) and summed (val_mod pooling, softmax weights).
# Same data, schedule and hooks as the Visece joint recipe; reported: top-1
# of the last epoch on the official test split.
_base_ = [
    '../visece/visece_stgcnpp-minilm_1xb32-u32-30e_penn-action-joint.py'
]

model = dict(
    type='VisecePACL',
    # out_channels=None drops the Linear; its dropout would act on nothing.
    video_encoder=dict(out_channels=None, dropout=0.0),
    # out_channels is left to VisecePACL, which sets it to the text width
    # (384 for all-MiniLM-L6-v2), so a swapped text encoder still fits.
    video_embedder=dict(type='PACLEmbedder', in_channels=128),
    pooling='val_mod',
    weight='softmax',
    normalize_output=True,
    train_mode='pair',
    test_cfg=dict(class_chunk_size=64))
