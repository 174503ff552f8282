"""Tiny stand-ins of the three Kinect v1 datasets of the cross-dataset
recipe, at the paths its config names (``data/<name>/...`` under a working
directory), and a tiny version of the recipe."""
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / 'configs' / 'cross_dataset' / \
    'visece_stgcnpp-minilm_1xb32-u32-300i_kinect-v1-3ds-joint3d.py'
DESC_RECIPE = REPO / 'configs' / 'cross_dataset' / \
    'visece_stgcnpp-minilm-desc_1xb32-u32-300i_kinect-v1-3ds-joint3d.py'

# Real class names of each dataset (so the shipped description sources
# cover them); "sit down" is in two datasets and the same local label (1)
# names a different class in each.
CLASSES: Dict[str, List[str]] = {
    'nw_ucla': ['pick up with one hand', 'sit down', 'throw'],
    'utkinect': ['walk', 'sit down', 'wave hands'],
    'msrc12': ['kick', 'throw (throw an object)', 'change weapon'],
}
FILES = {'nw_ucla': ('nw_ucla_pyskl.pkl', 'xview_train'),
         'utkinect': ('utkinect_pyskl.pkl', 'xsub_train'),
         'msrc12': ('msrc12_pyskl.pkl', 'xsub_train')}
SAMPLES_PER_CLASS = {'nw_ucla': 2, 'utkinect': 1, 'msrc12': 3}


def write_kinect_datasets(root: Path, num_frames: int = 12) -> Path:
    """Random Kinect v1 sequences (2D and 3D joints), two thirds of each
    dataset in its training split, under ``root/data/<name>/``."""
    rng = np.random.default_rng(0)
    for name, classes in CLASSES.items():
        folder = root / 'data' / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / 'class_names.txt').write_text(
            ''.join(f'{i}\t{c}\n' for i, c in enumerate(classes)))
        annos, train = [], []
        for label in range(len(classes)):
            for k in range(SAMPLES_PER_CLASS[name] + 1):
                frame_dir = f'{name}_c{label}_{k}'
                if k < SAMPLES_PER_CLASS[name]:
                    train.append(frame_dir)
                annos.append(dict(
                    frame_dir=frame_dir, label=label, img_shape=(480, 640),
                    original_shape=(480, 640), total_frames=num_frames,
                    keypoint=rng.uniform(20, 460, (1, num_frames, 20, 2)
                                         ).astype(np.float32),
                    keypoint_score=np.ones((1, num_frames, 20), np.float32),
                    keypoint_3d=rng.normal(0, 0.3, (1, num_frames, 20, 3)
                                           ).astype(np.float32)))
        pkl, split = FILES[name]
        with open(folder / pkl, 'wb') as f:
            pickle.dump(dict(split={split: train}, annotations=annos), f)
    return root


def tiny_recipe_text(base: Path, max_iters: int = 2) -> str:
    """The recipe with a tiny text encoder and backbone, small batches."""
    from vlalign.testing import TINY_BERT
    return f'''
_base_ = [{str(base)!r}]
model = dict(
    text_encoder=dict(_delete_=True, type='BertTextEncoder',
                      config={TINY_BERT!r}),
    video_encoder=dict(out_channels={TINY_BERT['hidden_size']}, in_channels=8,
                       backbone=dict(base_channels=8, num_stages=2,
                                     inflate_stages=[], down_stages=[])))
_loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
train_dataloader = dict(**_loader)
test_dataloader = dict(**_loader)
max_iters = {max_iters}
train_cfg = dict(max_iters=max_iters)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters,
                        eta_min=1e-5, by_epoch=False, begin=0, end=max_iters)]
default_hooks = dict(checkpoint=dict(interval=max_iters),
                     logger=dict(interval=1))
'''


@pytest.fixture
def kinect_root(tmp_path: Path) -> Path:
    """A working directory with ``data/{nw_ucla,utkinect,msrc12}/``."""
    return write_kinect_datasets(tmp_path)


@pytest.fixture
def tiny_recipe(kinect_root: Path):
    """Factory: ``tiny_recipe(desc=False, max_iters=2)`` writes a tiny copy
    of the (names or descriptions) recipe into the working directory."""
    def make(desc: bool = False, max_iters: int = 2) -> Path:
        path = kinect_root / ('tiny_desc.py' if desc else 'tiny.py')
        path.write_text(tiny_recipe_text(DESC_RECIPE if desc else RECIPE,
                                         max_iters))
        return path
    return make


@pytest.fixture(scope='session')
def xd() -> SimpleNamespace:
    """The constants of this conftest (``tests`` is no package)."""
    return SimpleNamespace(CLASSES=CLASSES, RECIPE=RECIPE,
                           DESC_RECIPE=DESC_RECIPE,
                           SAMPLES_PER_CLASS=SAMPLES_PER_CLASS)


@pytest.fixture(scope='session')
def tools():
    """``run_tool``/``tool_env``/``free_port`` of tests/tools/conftest.py,
    loaded by path."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'vlalign_tests_tools_conftest_xd',
        REPO / 'tests' / 'tools' / 'conftest.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
