# itm/itmdebug2 of the original experiments: the text encoder frozen
# (frozen_bert=True); the ITM fusion layers still train. Learning rates: base
# 1e-3, video encoder 1e-3.
# The original experiments chose their best epoch on xsub_val, the test
# split, so their figure is not quoted (see this folder's README.md).
_base_ = ['./itm_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(frozen_bert=True)
optim_wrapper = dict(
    optimizer=dict(lr=1e-3),
    paramwise_cfg=dict(custom_keys={
        'video_encoder': dict(lr_mult=1e-3 / 1e-3)}))
