# Phase-2 sweep config 4 of the original EPIC-KITCHENS-100 verb/noun
# experiments: lr 5e-5, batch 24, head dropout 0.6,
# label smoothing 0.1, drop path 0.15; everything else as the
# original setting it inherits.
_base_ = ['./verbnoun-xattn_mstemporal_1xb24-u16-50e_ek100-feature_original.py']

# what this run changes
dropout = 0.6
drop_path = 0.15
model = dict(drop_path=drop_path, cls_head=dict(dropout=dropout))
