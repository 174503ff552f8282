# CADA-VAE (Schonfeld et al., "Generalized Zero- and Few-Shot Learning via
# Aligned Variational Autoencoders", CVPR 2019) on stage-1 features.
# Hyper-parameters of edgarschnfld/CADA-VAE-PyTorch model/single_experiment.py
# and models.py: latent 64; hidden 1560 / 1660 (features) and 1450 / 665
# (text); L1 reconstruction; Adam (amsgrad) lr 1.5e-4, batch 50, 100 epochs;
# warm-ups beta 0 -> 0.25 (epochs 0-93), cross-reconstruction 0 -> 2.37
# (21-75), distribution alignment 0 -> 8.13 (6-22); classifiers lr 1e-3,
# Adam betas (0.5, 0.999), batch 32, GZSL on 200 feature latents per seen
# and 400 text latents per unseen class, ZSL on 200 text latents per unseen
# class; 25 classifier epochs (the repo's per-dataset counts: 21-39).
_base_ = ['./_base_.py']
model = dict(
    type='CADAVAEHead',
    protocol={{_base_.protocol}},
    feature_dim=128,
    text=dict(encoder={{_base_.text_encoder}}, templates=('{}', )),
    latent_dim=64,
    feature_hidden=(1560, 1660),
    text_hidden=(1450, 665),
    warmups=dict(beta=(0, 93, 0.25), cross=(21, 75, 2.37),
                 distance=(6, 22, 8.13)),
    gzsl_classifier=dict(seen_per_class=200, unseen_per_class=400, epochs=25,
                         lr=1e-3, batch_size=32, betas=(0.5, 0.999)),
    zsl_classifier=dict(samples_per_class=200, epochs=25, lr=1e-3,
                        batch_size=32, betas=(0.5, 0.999), relu=False))
train_dataloader = dict(batch_size=50)
train_cfg = dict(type='ZSLTrainLoop', max_epochs=100,
                 calibration={{_base_.calibration}})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1.5e-4,
                                    betas=(0.9, 0.999), amsgrad=True))
