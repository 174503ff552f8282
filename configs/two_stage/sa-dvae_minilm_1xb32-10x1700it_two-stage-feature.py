# SA-DVAE (Li et al., "SA-DVAE: Improving Zero-Shot Skeleton-Based Action
# Recognition by Disentangled Variational Autoencoders", ECCV 2024) on
# stage-1 features. Hyper-parameters of pha123661/SA-DVAE
# scripts/train_eval_synse_split.sh (NTU-60), train.py and model.py:
# semantic latent 160, style latent 8, Adam lr 3.389e-5 (VAEs and
# discriminator), batch 32, discriminator every 5 iterations, 10 cycles;
# a cycle here is SynSE's 1,700 iterations (SA-DVAE's is one NTU-60 epoch,
# ~1,200 iterations; see vlalign/models/zsl_heads/sa_dvae.py); zero-shot
# classifier and gating as SynSE's (gating_train.py / gating_eval.py),
# fitted on the calibration fold.
_base_ = ['./_base_.py']
model = dict(
    type='SADVAEHead',
    protocol={{_base_.protocol}},
    feature_dim=128,
    text=dict(encoder={{_base_.text_encoder}}, templates=('{}', )),
    latent_dim=160,
    style_dim=8,
    cycle_length=1700,
    dis_step=5,
    gating=True,
    zsl_classifier=dict(samples_per_class=500, epochs=300, lr=1e-3,
                        batch_size=None, relu=True))
train_dataloader = dict(batch_size=32)
train_cfg = dict(type='ZSLTrainLoop', max_iters=10 * 1700,
                 calibration={{_base_.calibration}})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3.389022400898623e-05))
