# The demo student without the teacher (cross entropy only): the baseline
# that distillation is measured against.
_base_ = ['./antstudent_transformer_1xb32-20e_demo-feature.py']

model = dict(distill_loss=None)
train_dataloader = dict(dataset=dict(teacher_file=None))
