"""Shared fixtures. Tests never download: text encoders use a tiny config."""
import os

import pytest

os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
os.environ.setdefault('HF_HUB_OFFLINE', '1')

import vlalign  # noqa: E402,F401  (applies the stack fixes)
from vlalign.utils import register_all_modules  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'data')


@pytest.fixture(scope='session', autouse=True)
def _register_modules():
    register_all_modules()


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A small embedded demo dataset (generated, a few samples per class)."""
    from vlalign.data_prep.demo import generate_demo_dataset
    out = tmp_path_factory.mktemp('demo_data')
    generate_demo_dataset(str(out), samples_per_class=dict(train=4, val=2, test=2),
                          seed=0)
    return str(out)


DEMO_CONFIG = os.path.join(
    REPO_ROOT, 'configs', 'visece',
    'visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py')


def tiny_config_text(base_cfg: str, data_root: str, extra: str = '') -> str:
    """Config text that shrinks a demo-data config (ST-GCN++ + MiniLM) for a
    quick CPU run: tiny text encoder, tiny backbone, small batches, 2 epochs."""
    from vlalign.testing import TINY_BERT
    return f'''
_base_ = [{base_cfg!r}]
model = dict(
    text_encoder=dict(_delete_=True, type='BertTextEncoder', config={TINY_BERT!r}),
    video_encoder=dict(out_channels={TINY_BERT['hidden_size']}, in_channels=8,
                       backbone=dict(base_channels=8, num_stages=2,
                                     inflate_stages=[], down_stages=[])))
data_root = {data_root!r}
_files = dict(ann_file=data_root + '/demo_skeleton.pkl',
              class_file=data_root + '/classes.txt')
_loader = dict(batch_size=8, num_workers=0, persistent_workers=False)
train_dataloader = dict(**_loader,
                        dataset=dict(**_files, class_subset=data_root + '/seen.txt'))
val_dataloader = dict(**_loader,
                      dataset=dict(**_files, class_subset=data_root + '/seen.txt'))
test_dataloader = dict(**_loader,
                       dataset=dict(**_files, class_subset=data_root + '/unseen.txt'))
train_cfg = dict(max_epochs=2)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=2, eta_min=1e-5,
                        by_epoch=True, begin=0, end=2)]
default_hooks = dict(logger=dict(interval=1))
{extra}
'''


@pytest.fixture
def tiny_demo_config(tmp_path, demo_data):
    """Factory: ``tiny_demo_config(base_cfg=DEMO_CONFIG, extra='')`` writes a tiny
    version of a demo-data config into ``tmp_path`` and returns its path."""
    def make(base_cfg: str = DEMO_CONFIG, extra: str = '', name: str = 'tiny.py'):
        path = tmp_path / name
        path.write_text(tiny_config_text(base_cfg, demo_data, extra))
        return path
    return make
