# Original setting, EGTEA Gaze+ (split 1): the student on precomputed RGB
# features (HDF5 store keyed by video id, e.g. "OP01-R01-PastaSalad"; EGTEA
# videos run at 24 fps), distilled from the EGTEA teacher's predictions.
_base_ = ['./antstudent_transformer_1xb32-50e_ek100-rgb.py']

data_root = 'data/egtea/anticipation'
common = dict(
    type='AnticipationFeatureDataset',
    action_file=f'{data_root}/actions.csv',
    verb_class_file=f'{data_root}/verb_classes.csv',
    noun_class_file=f'{data_root}/noun_classes.csv',
    feature_file='data/egtea/features/rgb_tsn.h5',
    video_fps=24.0,
    feature_fps=24.0,
    tau_a=0.5,
    obs_sec=2.0,
    num_obs=8)
train_csv = f'{data_root}/egtea_train_split1.csv'
# Validation: the base config's seeded carve of 10 % of the training videos;
# test split 1 is only tested.
train_dataloader = dict(
    dataset=dict(dataset=dict(
        _delete_=True, ann_file=train_csv,
        teacher_file=f'{data_root}/teacher_predictions.pt', **common)))
val_dataloader = dict(
    dataset=dict(dataset=dict(_delete_=True, ann_file=train_csv,
                              test_mode=True, **common)))
test_dataloader = dict(
    dataset=dict(_delete_=True, ann_file=f'{data_root}/egtea_test_split1.csv',
                 test_mode=True, **common))

model = dict(num_actions=106, num_verbs=19, num_nouns=51, embed_dims=256,
             num_layers=2, num_heads=4,
             distill_loss=dict(temperature=2.0, top_k=None))
