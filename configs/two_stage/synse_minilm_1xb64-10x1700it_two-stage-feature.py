# SynSE (Gupta et al., "Syntactically Guided Generative Embeddings for
# Zero-Shot Skeleton Action Recognition", ICIP 2021) on stage-1 features.
# Hyper-parameters of skelemoa/synse-zsl synse/synse_training.py, synse.py
# and the cada_vae/README.md commands of that repo (NTU-60): Adam lr 1e-4,
# batch 64, skeleton latent 100 (noun and verb latents 50 each), 10 cycles
# of 1,700 iterations (KL weight 0.1 (i - 1000) / 3000, cross-reconstruction
# from iteration 1,400 of a cycle, text KL from the third cycle), linear
# encoders, decoders ending in a ReLU; zero-shot classifier Linear + ReLU on
# 500 text latents per unseen class, 300 full-batch epochs, Adam 1e-3;
# GZSL by the confidence gate (temperature 1-9, threshold 0.25-0.74,
# logistic regression with C = 1; synse/gating_synse_model_training.py),
# fitted on the calibration fold. Verb / noun phrases split by rule
# (SynSEHead, split_verb_noun) unless pos_file is given.
_base_ = ['./_base_.py']
model = dict(
    type='SynSEHead',
    protocol={{_base_.protocol}},
    feature_dim=128,
    text=dict(encoder={{_base_.text_encoder}}, templates=('{}', )),
    latent_dim=100,
    cycle_length=1700,
    gating=True,
    zsl_classifier=dict(samples_per_class=500, epochs=300, lr=1e-3,
                        batch_size=None, relu=True))
train_dataloader = dict(batch_size=64)
train_cfg = dict(type='ZSLTrainLoop', max_iters=10 * 1700,
                 calibration={{_base_.calibration}})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
