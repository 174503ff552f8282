# Phase-2 sweep config 5 of the original EPIC-KITCHENS-100 verb/noun
# experiments: lr 3e-5, batch 24, head dropout 0.5,
# label smoothing 0.1, drop path 0.1; everything else as the
# original setting it inherits.
_base_ = ['./verbnoun-xattn_mstemporal_1xb24-u16-50e_ek100-feature_original.py']

# what this run changes
lr = 3e-05
optim_wrapper = dict(optimizer=dict(lr=lr))
