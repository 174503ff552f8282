# Phase-2 sweep config 2 of the original EPIC-KITCHENS-100 verb/noun
# experiments: lr 1e-4, batch 24, head dropout 0.4,
# label smoothing 0.1, drop path 0.1; everything else as the
# original setting it inherits.
_base_ = ['./verbnoun-xattn_mstemporal_1xb24-u16-50e_ek100-feature_original.py']

# what this run changes
lr = 0.0001
dropout = 0.4
optim_wrapper = dict(optimizer=dict(lr=lr))
model = dict(cls_head=dict(dropout=dropout))
