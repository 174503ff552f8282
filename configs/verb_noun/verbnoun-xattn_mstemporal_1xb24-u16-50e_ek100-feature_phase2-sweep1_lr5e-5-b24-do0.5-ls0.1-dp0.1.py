# Phase-2 sweep config 1 of the original EPIC-KITCHENS-100 verb/noun
# experiments: lr 5e-5, batch 24, head dropout 0.5,
# label smoothing 0.1, drop path 0.1; everything else as the
# original setting it inherits.
# Config 1 is the original setting itself.
_base_ = ['./verbnoun-xattn_mstemporal_1xb24-u16-50e_ek100-feature_original.py']

