# The msrc12 3D recipe with a motion description per class: each class text is
# the ensemble of its name and one sentence on how the body moves
# (vlalign/classes/data/texts/vlalign/msrc12_sentence.txt, named source
# 'vlalign:msrc12'), written for vlalign before any run and not tuned on
# results.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-10e_msrc12-xsub-joint3d.py']
model = dict(class_text_sources=['vlalign:msrc12'])
