# Stage-1 features in the published two-stage layout (train.npy /
# train_label.npy, ztest.npy / z_label.npy, gtest.npy / g_label.npy; see
# vlalign/datasets/zsl_features.py), written by tools/extract_features.py
# or downloaded from SynSE / SA-DVAE. Training reads the seen classes of
# train.npy; testing reads gtest.npy (every class: ZSL figures from its
# unseen-class rows, GZSL from all). Change protocol and feature_dir
# together (tools/benchmark_two_stage.py does, for every config).
protocol = 'nw-ucla_purls_8-2'
feature_dir = 'data/two_stage/nw-ucla_purls_8-2'
frames = False

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    # InfiniteSampler: mmengine's iteration loop sleeps 2 s at every epoch
    # end of a finite sampler; a stage-2 epoch is a few iterations.
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='zsl_feature_collate'),
    dataset=dict(type='ZSLFeatureDataset', feature_dir=feature_dir,
                 protocol=protocol, split='train', frames=frames))
test_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='zsl_feature_collate'),
    dataset=dict(type='ZSLFeatureDataset', feature_dir=feature_dir,
                 protocol=protocol, split='gtest', frames=frames,
                 test_mode=True))
test_evaluator = dict(type='TwoStageZeroShotMetric', protocol=protocol)
test_cfg = dict(type='TestLoop')
val_dataloader = None
val_evaluator = None
val_cfg = None
