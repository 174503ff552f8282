# Original setting, EGTEA Gaze+ (split 1): the BERT teacher on action
# histories. EGTEA's splits cut through videos, so each split's file is the
# other's context; gappy=True builds histories from the split's own clips
# only (no test labels in training histories). Data:
#   python tools/data/convert_egtea.py data/egtea/action_annotation \
#       --split 1 --out-dir data/egtea/anticipation
_base_ = ['./lmteacher_bert-base_1xb32-20e_ek100-text.py']

data_root = 'data/egtea/anticipation'
train_csv = f'{data_root}/egtea_train_split1.csv'
test_csv = f'{data_root}/egtea_test_split1.csv'
common = dict(
    type='ActionHistoryTextDataset',
    action_file=f'{data_root}/actions.csv',
    verb_class_file=f'{data_root}/verb_classes.csv',
    noun_class_file=f'{data_root}/noun_classes.csv',
    hist_len=5,
    min_hist_len=1,
    gappy=True)
train_dataloader = dict(
    dataset=dict(_delete_=True, ann_file=train_csv, context_files=[test_csv],
                 **common))
val_dataloader = dict(
    dataset=dict(_delete_=True, ann_file=test_csv, context_files=[train_csv],
                 test_mode=True, **common))
test_dataloader = val_dataloader

# EGTEA Gaze+: 106 actions, 19 verbs, 51 nouns
model = dict(num_actions=106, num_verbs=19, num_nouns=51)
