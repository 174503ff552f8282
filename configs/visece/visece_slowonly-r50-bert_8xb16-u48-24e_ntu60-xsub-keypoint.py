# Visece (video-text contrastive) on NTU RGB+D 60 X-Sub heatmaps with a
# BERT-base text encoder: the shared recipe of the original visece/debug*
# experiments; each debugN.py sets that experiment's learning rates.
_base_ = [
    '../_base_/models/visece_slowonly_bert.py',
    '../_base_/datasets/ntu60_xsub_2d_heatmap.py',
    '../_base_/schedules/adamw_24e_lr_groups.py',
    '../_base_/default_runtime.py'
]

# Learning rates of visece/debug3: base 1e-3, video encoder 1e-3, text
# encoder 1e-5, tokenizer/embeddings 1e-5 (the debug*/itm*/mo* configs set
# their own; the notes give none for visecemod*, which keep these).
optim_wrapper = dict(
    optimizer=dict(lr=1e-3),
    paramwise_cfg=dict(custom_keys={
        'video_encoder': dict(lr_mult=1.0),
        'text_encoder': dict(lr_mult=1e-5 / 1e-3),
        'text_encoder.model.embeddings': dict(lr_mult=1e-5 / 1e-3)}))
