# visece/debug7 of the original experiments. Learning rates: base 0.001, video
# encoder 0.001, text encoder 0, tokenizer/embeddings 0.
# The original experiments chose their best epoch on xsub_val, the test
# split, so their figure is not quoted (see this folder's README.md).
_base_ = ['./visece_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(text_encoder=dict(frozen=True))  # text lr 0: frozen
optim_wrapper = dict(
    optimizer=dict(lr=0.001),
    paramwise_cfg=dict(custom_keys={
        'video_encoder': dict(lr_mult=0.001 / 0.001)}))
