# ViseceMo: Visece with momentum (EMA) video/text encoders and feature queues;
# contrastive targets mix the momentum model's similarity with the
# label-aware ground truth. NTU RGB+D 60 X-Sub heatmaps, BERT-base.
_base_ = ['../visece/visece_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

model = dict(
    type='ViseceMo',
    momentum=0.995,
    queue_size=4096,
    alpha=0.4,
    loss=dict(type='MomentumDistillLoss'))
