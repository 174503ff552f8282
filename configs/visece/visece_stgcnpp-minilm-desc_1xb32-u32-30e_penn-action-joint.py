# The Penn Action CPU recipe with a motion description per class: each class
# text is the prompt ensemble of its name and one sentence saying how the
# body moves (vlalign/classes/data/texts/vlalign/penn_action_sentence.txt,
# the named source 'vlalign:penn_action'), written for vlalign before any
# zero-shot run and not tuned on results. Names such as "clean and jerk" or
# "situp" say little to a sentence encoder about motion; the descriptions
# give unseen classes words they share with seen ones.
_base_ = ['./visece_stgcnpp-minilm_1xb32-u32-30e_penn-action-joint.py']
model = dict(class_text_sources=['vlalign:penn_action'])
