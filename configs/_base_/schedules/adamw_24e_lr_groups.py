# The original experiments' schedule: 24 epochs, AdamW, with separate learning
# rates for the base (heads, projectors, logit scale), the video encoder, the
# text encoder and its token embeddings ("tokenizer"). Configs set
# `optimizer.lr` to the base rate and each lr_mult to (group lr / base lr).
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=24, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=24, eta_min=0, by_epoch=True,
         begin=0, end=24, convert_to_iter_based=True)
]

optim_wrapper = dict(
    # fused: one kernel for all parameters. On CPU it updates BERT-base's
    # 110M weights ~7x faster than the per-parameter loop torch picks there
    # (tools/benchmark/train_speed.py), on GPU it is also the fastest path.
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01, fused=True),
    clip_grad=dict(max_norm=40, norm_type=2),
    paramwise_cfg=dict(custom_keys={
        'video_encoder': dict(lr_mult=1.0),
        'text_encoder': dict(lr_mult=1.0),
        'text_encoder.model.embeddings': dict(lr_mult=1.0)}))

# 4 or 8 GPUs x 16 clips in the original runs.
auto_scale_lr = dict(enable=False, base_batch_size=128)
