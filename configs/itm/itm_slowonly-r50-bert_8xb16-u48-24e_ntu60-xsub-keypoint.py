# ViseceITM: Visece plus video-text matching with hard in-batch negatives
# (same-class pairs masked out), on NTU RGB+D 60 X-Sub heatmaps with BERT-base.
_base_ = ['../visece/visece_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(
    type='ViseceITM',
    itm_head=dict(type='ITMHead', num_layers=2),
    hard_negative='sample',
    itm_weight=1.0,
    frozen_bert=False)
