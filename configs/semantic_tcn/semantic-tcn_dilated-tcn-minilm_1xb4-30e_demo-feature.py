# Semantic TCN aligner on the synthetic demo features (64-d, MS-TCN layout):
#   python tools/data/generate_segmentation_demo.py --out-dir data/semantic_tcn_demo
#   python tools/train.py configs/semantic_tcn/semantic-tcn_dilated-tcn-minilm_1xb4-30e_demo-feature.py
# Trains in 25-50 s on 2 (shared) CPU cores, MiniLM load included. The architecture is the original one with a
# narrower first layer (the demo features are 64-d, not VideoMAE's 768) and vlalign's projector (no final
# LayerNorm + Dropout; `model.projector.final_norm=True` gives the original's, see the README).
# Model selection: none. The demo has train and test splits only; val runs on the test bundle to show
# progress, so nothing may be chosen by it: no best checkpoint, no early stop. Report the last epoch
# (epoch_30.pth).
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/semantic_tcn_demo'
feat_dim = 64
text_dim = 384  # all-MiniLM-L6-v2
# Embeds each label's description once; cached in data_root (keyed by the
# encoder config and the texts, so changing either recomputes it).
text_encoder = dict(type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                    pooling='mean', frozen=True)

model = dict(
    type='SemanticTCNAligner',
    backbone=dict(type='DilatedTCN', in_channels=feat_dim,
                  channels=(256, 128, 64), dilations=(1, 2, 4),
                  kernel_size=3, dropout=0.1),
    projector=dict(type='SemanticProjector', in_channels=64,
                   hidden_channels=256, out_channels=text_dim, dropout=0.1),
    loss=dict(type='AdaptiveAlignmentLoss', alpha=0.7))

dataset_type = 'SegmentationFeatureDataset'
dataset_common = dict(
    type=dataset_type, data_root=data_root, mapping_file='mapping.txt',
    features_dir='features', gt_dir='groundTruth',
    embedding_file='label_embeddings.pth', text_encoder=text_encoder)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pad_segmentation_batch'),
    dataset=dict(ann_file='splits/train.split1.bundle', **dataset_common))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pad_segmentation_batch'),
    dataset=dict(ann_file='splits/test.split1.bundle', test_mode=True,
                 **dataset_common))
test_dataloader = val_dataloader

# Per action type: regular steps, null/background frames, wrong steps.
val_evaluator = dict(
    type='AlignmentMetric',
    action_types=dict(null=['background'], wrong=['wrong_*']))
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_begin=5,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, T_max=28, by_epoch=True,
         begin=2, end=30, convert_to_iter_based=True),
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5, ignore_last=False),
    checkpoint=dict(type='CheckpointHook', interval=10, save_best=None,
                    max_keep_ckpts=2))
randomness = dict(seed=0)
