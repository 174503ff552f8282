# pacl/pacldebug3 of the original experiments: train_mod pooling, softmax
# weights, normalised output (the notes say 3 and 4 may be swapped).
# Training in the original's first mode: each clip pooled with its own class
# text, contrastive loss over the batch. No accuracy reported in the notes.
_base_ = ['./pacl_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(
    pooling='val_mod',
    weight='softmax',
    normalize_output=True,
    train_mode='pair')
