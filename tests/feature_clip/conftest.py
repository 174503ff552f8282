"""Fixtures of the FeatureCLIP tests: the synthetic feature/narration data."""
from pathlib import Path
from typing import Dict

import pytest


@pytest.fixture(scope='session')
def feature_demo(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """Small generated data set (16 train + 4 val videos, D=12, C=10)."""
    from vlalign.data_prep.demo.feature_narrations import \
        generate_feature_narrations
    out = tmp_path_factory.mktemp('feature_demo')
    return generate_feature_narrations(
        str(out), num_train_videos=16, num_val_videos=4, feature_dim=12,
        text_dim=10, segments_per_video=3, seed=0)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
