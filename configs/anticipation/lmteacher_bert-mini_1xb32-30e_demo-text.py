# The teacher of the anticipation demo, small enough for a CPU: a 2-layer
# BERT (random init, MiniLM's uncased tokenizer; the demo's words are few)
# fine-tuned on the text of the last 5 actions with action, verb and noun
# heads. The *_minilm_* config fine-tunes all-MiniLM-L6-v2 instead.
# Then export its predictions (last epoch; no best checkpoint is kept, the
# validation split is the one reported) for the student:
#   python tools/export_teacher_predictions.py CONFIG work_dirs/.../epoch_30.pth \
#       --out data/anticipation_demo/teacher_predictions.pt
_base_ = ['./lmteacher_minilm_1xb32-10e_demo-text.py']

model = dict(
    text_encoder=dict(
        _delete_=True, type='BertTextEncoder', pooling='mean', max_length=64,
        config=dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=128, max_position_embeddings=64)))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys=dict(_delete_=True)))
# a randomly initialised encoder needs more epochs (~2 s each on a CPU)
train_cfg = dict(max_epochs=30, val_interval=3)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=29, eta_min=1e-5, by_epoch=True,
         begin=1, end=30, convert_to_iter_based=True)
]
