# visece/visecemod2 of the original experiments: the video encoder without its
# final Linear (per-frame 512-d features) and the PACL residual embedder (512
# -> 256) after temporal pooling.
# The original experiments chose their best epoch on xsub_val, the test
# split, so their figure is not quoted (see this folder's README.md).
_base_ = ['./visece_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(
    video_encoder=dict(out_channels=None),
    video_embedder=dict(
        _delete_=True, type='PACLEmbedder', in_channels=512, out_channels=256),
    embed_frames=False)
