# mo/modebug3 of the original experiments: SGD. Learning rates: base 1e-5,
# video encoder 1e-3, text encoder 1e-5, tokenizer/embeddings 1e-5.
# The original experiments chose their best epoch on xsub_val, the test
# split, so their figure is not quoted (see this folder's README.md).
_base_ = ['./mo_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=1e-5, momentum=0.9,
                   weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={
        'video_encoder': dict(lr_mult=1e-3 / 1e-5),
        'text_encoder': dict(lr_mult=1e-5 / 1e-5),
        'text_encoder.model.embeddings': dict(lr_mult=1e-5 / 1e-5)}))
