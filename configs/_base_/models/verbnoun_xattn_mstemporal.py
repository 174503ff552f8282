# Verb/noun multi-task recognizer on precomputed per-frame features: shared
# encoder with multi-scale local attention (windows 4, 8, 16), separate verb
# and noun branches, bidirectional cross-task attention, two heads.
model = dict(
    type='VerbNounRecognizer',
    in_channels=1024,
    embed_dims=256,
    num_heads=4,
    windows=(4, 8, 16),
    num_shared_blocks=1,
    num_branch_blocks=1,
    num_cross_blocks=1,
    max_frames=64,
    dropout=0.1,
    drop_path=0.1,
    cls_head=dict(
        type='VerbNounHead',
        num_verbs=97,
        num_nouns=300,
        dropout=0.5,
        label_smoothing=0.1,
        loss_weights=(1.0, 1.0)))
