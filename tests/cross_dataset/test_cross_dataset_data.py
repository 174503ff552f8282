"""MultiPoseTextDataset: the union of the components' class names, each
sample labelled by its own dataset's class, balanced sampling."""
import pytest
from mmengine import Config

from vlalign.registry import DATASETS

UNION = ('pick up with one hand', 'sit down', 'throw', 'walk', 'wave hands',
         'kick', 'throw (throw an object)', 'change weapon')


def build_train_set(recipe, balance: bool = True):
    cfg = Config.fromfile(str(recipe))
    cfg.train_dataloader.dataset.balance = balance
    return DATASETS.build(cfg.train_dataloader.dataset)


@pytest.mark.parametrize('balance', [True, False])
def test_union_of_class_names_and_own_labels(kinect_root, monkeypatch,
                                             balance, xd):
    monkeypatch.chdir(kinect_root)
    CLASSES, SAMPLES_PER_CLASS = xd.CLASSES, xd.SAMPLES_PER_CLASS
    dataset = build_train_set(xd.RECIPE, balance)
    # "sit down" of NW-UCLA and UTKinect is one class
    assert dataset.metainfo['classes'] == UNION
    sizes = [SAMPLES_PER_CLASS[n] * len(c) for n, c in CLASSES.items()]
    assert [len(d) for d in dataset.datasets] == sizes
    assert len(dataset) == (3 * max(sizes) if balance else sum(sizes))
    per_dataset = [0, 0, 0]
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        k = info['dataset_index']
        per_dataset[k] += 1
        names = CLASSES[list(CLASSES)[k]]
        own = names[int(info['frame_dir'].split('_c')[-1].split('_')[0])]
        # the label names the sample's own class in the union
        assert UNION[info['label']] == own
        sample = dataset[i]['data_samples']
        assert int(sample.gt_label) == info['label']
    if balance:  # every dataset gives the same share
        assert per_dataset == [max(sizes)] * 3
    else:
        assert per_dataset == sizes
