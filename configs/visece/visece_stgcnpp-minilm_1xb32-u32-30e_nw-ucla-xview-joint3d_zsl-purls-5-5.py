# Zero-shot NW-UCLA on 3D joints in the body frame, on the PURLS 5 seen / 5
# unseen protocol (vlalign/classes/data/protocols/nw-ucla_purls_5-5): train
# on the 5 seen classes with tools/train.py, then test ZSL and GZSL on all
# 10 classes of view 3 with tools/test.py (or tools/zeroshot.py
# --calibrate-on CALIBRATION_JSON for calibrated GZSL). The benchmark
# (tools/benchmark_zeroshot.py --protocol nw-ucla_purls_5-5) does all of it
# for several seeds, calibration included.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint3d.py']
protocol = 'vlalign/classes/data/protocols/nw-ucla_purls_5-5'
train_dataloader = dict(dataset=dict(class_subset=f'{protocol}/seen.txt'))
# Logged only (no checkpoint is chosen on it): view 3, seen classes.
val_dataloader = dict(dataset=dict(class_subset=f'{protocol}/seen.txt'))
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='ZeroShotMetric', unseen_classes=f'{protocol}/unseen.txt')
]
