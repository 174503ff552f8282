# pacl/paclmod5 of the original experiments: val_mod pooling, softmax weights,
# normalised output, and Visece's linear embedder (512 -> 256) instead of the
# residual one. Training in the original's "new training idea": every clip
# pooled with every class text, target 1 for its class and 0 otherwise;
# training set repeated once.
# The original experiments chose their best epoch on xsub_val, the test
# split, so their figure is not quoted (see this folder's README.md).
_base_ = ['./pacl_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(
    pooling='val_mod',
    weight='softmax',
    normalize_output=True,
    train_mode='all_classes',
    video_embedder=dict(
        _delete_=True, type='Linear', in_features=512, out_features=256))
train_dataloader = dict(dataset=dict(times=1))
