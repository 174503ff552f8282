# Visece as in the original experiments: PoseC3D's SlowOnly on 17 joint
# heatmaps, per-frame features [B, T, 512] -> Linear -> [B, T, 768], temporal
# mean, a linear vision projector 768 -> 256, and a BERT-base text encoder
# ([CLS]) with a linear text projector 768 -> 256 into the shared space.
text_dim = 768
embed_dim = 256
model = dict(
    type='Visece',
    video_encoder=dict(
        type='ViseceVideoEncoder',
        backbone=dict(
            type='ResNet3dSlowOnly',
            depth=50,
            pretrained=None,
            in_channels=17,
            base_channels=32,
            num_stages=3,
            out_indices=(2, ),
            stage_blocks=(4, 6, 3),
            conv1_stride_s=1,
            pool1_stride_s=1,
            inflate=(0, 1, 1),
            spatial_strides=(2, 2, 2),
            temporal_strides=(1, 1, 2),
            dilations=(1, 1, 1)),
        layout='NCTHW',
        in_channels=512,
        out_channels=text_dim),
    text_encoder=dict(
        type='BertTextEncoder',
        pretrained='bert-base-uncased',
        pooling='cls',
        max_length=32),
    video_embedder=dict(type='Linear', in_features=text_dim,
                        out_features=embed_dim),
    text_embedder=dict(type='Linear', in_features=text_dim,
                       out_features=embed_dim),
    loss=dict(type='VideoTextContrastiveLoss'),
    init_temperature=0.07,
    data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))
