"""Fixtures of the two-stage tests: a synthetic feature set (zero-shot
transfer possible by construction) and head configs on it."""
import pytest
import torch

from vlalign.testing.zsl_features import make_zsl_feature_set


@pytest.fixture(autouse=True)
def _one_thread():
    # The heads are tiny MLPs: one thread is fastest on a shared CPU.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='session')
def zsl_set(tmp_path_factory):
    root = tmp_path_factory.mktemp('zsl_set')
    return make_zsl_feature_set(str(root), num_seen=6, num_unseen=3, dim=32,
                                text_dim=16, per_class=40, frames=4,
                                noise=0.3, seed=0)

