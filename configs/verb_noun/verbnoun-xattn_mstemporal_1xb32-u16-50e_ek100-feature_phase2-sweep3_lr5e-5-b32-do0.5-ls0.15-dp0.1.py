# Phase-2 sweep config 3 of the original EPIC-KITCHENS-100 verb/noun
# experiments: lr 5e-5, batch 32, head dropout 0.5,
# label smoothing 0.15, drop path 0.1; everything else as the
# original setting it inherits.
_base_ = ['./verbnoun-xattn_mstemporal_1xb24-u16-50e_ek100-feature_original.py']

# what this run changes
batch_size = 32
label_smoothing = 0.15
train_dataloader = dict(batch_size=batch_size)
auto_scale_lr = dict(base_batch_size=batch_size)
model = dict(cls_head=dict(label_smoothing=label_smoothing))
