# NW-UCLA on 3D joints in the body frame, with a description per class: each
# class text is the ensemble of its name and PURLS's GPT-3 global
# description of the action (Zhu et al., CVPR 2024; vlalign's named source
# 'purls:nw_ucla:global', see vlalign/classes/text_sources.py). Chosen
# before any run, as the one-sentence counterpart of the Penn Action recipe;
# not tuned on test results. Zero-shot: tools/benchmark_zeroshot.py CONFIG
# --protocol nw-ucla_purls_5-5 (docs/zero_shot.md).
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_nw-ucla-xview-joint3d.py']
model = dict(class_text_sources=['purls:nw_ucla:global'])
