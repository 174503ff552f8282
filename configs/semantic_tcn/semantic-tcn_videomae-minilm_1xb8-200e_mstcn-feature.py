# The original setting: VideoMAE per-frame features (768-d, (D, T) .npy per
# video, MS-TCN layout) aligned with all-MiniLM-L6-v2 embeddings (384-d) of
# each label's description. Dilated TCN 768 -> 512 -> 128 -> 64 (dilations
# 1, 2, 4), projector 64 -> 512 -> 384 (Linear, LayerNorm, ReLU, Dropout,
# Linear, LayerNorm, Dropout), adaptive loss 0.7 * (1 - cos) + 0.3 * MSE;
# early stopping on the validation cosine similarity, a checkpoint every 20
# epochs. Validation: 10 % of the training videos, carved with a fixed seed
# (the test bundle is never used for a choice).
#   python tools/train.py configs/semantic_tcn/semantic-tcn_videomae-minilm_1xb8-200e_mstcn-feature.py \
#       --cfg-options train_dataloader.dataset.dataset.data_root=data/my_videomae \
#       val_dataloader.dataset.dataset.data_root=data/my_videomae \
#       test_dataloader.dataset.data_root=data/my_videomae
# Epoch count, learning rate, patience and the validation carve are vlalign's
# choices (not seed facts).
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/semantic_tcn'
text_encoder = dict(type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                    pooling='mean', frozen=True)

model = dict(
    type='SemanticTCNAligner',
    backbone=dict(type='DilatedTCN', in_channels=768,
                  channels=(512, 128, 64), dilations=(1, 2, 4),
                  kernel_size=3, dropout=0.1),
    projector=dict(type='SemanticProjector', in_channels=64,
                   hidden_channels=512, out_channels=384, dropout=0.1,
                   final_norm=True),
    loss=dict(type='AdaptiveAlignmentLoss', alpha=0.7))

dataset_common = dict(
    type='SegmentationFeatureDataset', data_root=data_root,
    mapping_file='mapping.txt', features_dir='features',
    gt_dir='groundTruth', embedding_file='label_embeddings.pth',
    text_encoder=text_encoder)
# Model selection: MS-TCN bundles have train and test splits only, and the
# test split is the one reported. Early stopping and the best checkpoint
# therefore read a seeded 10 % of the training videos (RandomSplitDataset),
# which training leaves out; the test bundle is only tested.
val_carve = dict(type='RandomSplitDataset', val_fraction=0.1, seed=0)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pad_segmentation_batch'),
    dataset=dict(
        **val_carve, part='train',
        dataset=dict(ann_file='splits/train.split1.bundle',
                     **dataset_common)))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pad_segmentation_batch'),
    dataset=dict(
        **val_carve, part='val',
        dataset=dict(ann_file='splits/train.split1.bundle', test_mode=True,
                     **dataset_common)))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pad_segmentation_batch'),
    dataset=dict(ann_file='splits/test.split1.bundle', test_mode=True,
                 **dataset_common))

val_evaluator = dict(type='AlignmentMetric')  # null/wrong by label pattern
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=5e-4, weight_decay=1e-5),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-6, T_max=200, by_epoch=True,
         begin=0, end=200),
]

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=20,
                    save_best='align/cos_mean', rule='greater',
                    max_keep_ckpts=-1))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='EarlyStoppingHook', monitor='align/cos_mean', rule='greater',
         min_delta=1e-3, patience=20),
]
randomness = dict(seed=0)
