# Zero-shot Visece on NTU RGB+D 60 X-Sub with the SynSE 55/5 class split
# (the standard skeleton ZSL protocol; SynSE, SMIE, PURLS, SA-DVAE, TDSM):
# train and validate on the 55 seen classes (validation: the base config's
# seeded carve of xsub_train, so the best checkpoint is not chosen on the
# test split), test on all 60 classes of the xsub_val split and report ZSL
# (5 unseen classes) and GZSL figures.
_base_ = ['./visece_slowonly-r50-bert_8xb16-u48-24e_ntu60-xsub-keypoint.py']

protocol = 'vlalign/classes/data/protocols/ntu60_synse_55-5'
seen_file = f'{protocol}/seen.txt'
unseen_file = f'{protocol}/unseen.txt'

train_dataloader = dict(
    dataset=dict(dataset=dict(dataset=dict(class_subset=seen_file))))
val_dataloader = dict(dataset=dict(dataset=dict(class_subset=seen_file)))
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='ZeroShotMetric', unseen_classes=unseen_file)
]
