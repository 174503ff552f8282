"""Helpers of the semantic TCN tests: tiny generated data and a tiny config
(the demo config with a 1-layer random BERT as the label encoder)."""
from pathlib import Path
from typing import Dict

from vlalign.data_prep.demo.segmentation_features import \
    generate_segmentation_dataset
from vlalign.testing.tiny import TINY_BERT

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = (REPO_ROOT / 'configs/semantic_tcn/'
               'semantic-tcn_dilated-tcn-minilm_1xb4-30e_demo-feature.py')
ORIGINAL_CONFIG = (REPO_ROOT / 'configs/semantic_tcn/'
                   'semantic-tcn_videomae-minilm_1xb8-200e_mstcn-feature.py')
TINY_TEXT_ENCODER = dict(type='BertTextEncoder', config=dict(TINY_BERT),
                         pooling='mean', frozen=True)


def make_tiny_data(root: Path, num_train: int = 8, num_test: int = 4,
                   seed: int = 0, **kwargs) -> Dict:
    """Short videos (~40 frames) of 64-d features in the MS-TCN layout."""
    kwargs.setdefault('seg_len', (4, 8))
    kwargs.setdefault('gap_len', (2, 4))
    return generate_segmentation_dataset(
        str(root), num_videos=dict(train=num_train, test=num_test),
        seed=seed, **kwargs)


def write_tiny_config(root: Path, data_root: Path) -> Path:
    """A config inheriting the demo config, with the tiny BERT and 2 epochs
    validated every epoch."""
    enc = repr(TINY_TEXT_ENCODER)
    loader = (f"dict(dataset=dict(data_root={str(data_root)!r}, "
              f"text_encoder=dict(_delete_=True, **{enc})))")
    path = root / 'tiny_semantic_tcn.py'
    path.write_text(
        f"_base_ = [{str(DEMO_CONFIG)!r}]\n"
        f"model = dict(projector=dict(hidden_channels=32, "
        f"out_channels={TINY_BERT['hidden_size']}),\n"
        f"             backbone=dict(channels=(32, 16, 16)))\n"
        f"model['projector']['in_channels'] = 16\n"
        f"train_dataloader = {loader}\n"
        f"val_dataloader = {loader}\n"
        f"test_dataloader = {loader}\n"
        f"train_cfg = dict(max_epochs=2, val_begin=1, val_interval=1)\n"
        f"param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True,"
        f" begin=0, end=2)]\n"
        f"default_hooks = dict(logger=dict(interval=1), "
        f"checkpoint=dict(interval=1))\n")
    return path
