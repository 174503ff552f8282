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
    from vlalign.datasets.demo import generate_demo_dataset
    out = tmp_path_factory.mktemp('demo_data')
    generate_demo_dataset(str(out), samples_per_class=dict(train=4, val=2, test=2),
                          seed=0)
    return str(out)
