# The three-dataset recipe with a description per class: each class text is
# the ensemble of its name and its own dataset's description (PURLS's GPT-3
# global description for NW-UCLA, vlalign's sentences for UTKinect and
# MSRC-12; vlalign/classes/text_sources.py). The inner list is one source
# merged from the three, so a name two datasets share ("sit down") gets both
# descriptions. Testing on another label list replaces it (tools/zeroshot.py
# --descriptions, or names only without).
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-300i_kinect-v1-3ds-joint3d.py']
model = dict(class_text_sources=[
    [d['text_source'] for d in _base_.cross_datasets.values()]])
