"""Fixtures of the anticipation tests: generated EPIC-format demo data and
the demo configs pointed at it."""
from pathlib import Path
from typing import Callable, Dict

import pytest
from mmengine.config import Config

from vlalign.data_prep.demo.anticipation import generate_anticipation_demo
from vlalign.testing.tiny import shrink_model_cfg

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / 'configs' / 'anticipation'
TEACHER_DEMO = CONFIG_DIR / 'lmteacher_bert-mini_1xb32-30e_demo-text.py'
STUDENT_DEMO = CONFIG_DIR / 'antstudent_transformer_1xb32-20e_demo-feature.py'


@pytest.fixture(scope='session')
def ant_data(tmp_path_factory: pytest.TempPathFactory) -> Dict:
    """A small generated data set (EPIC-100 CSVs + HDF5 features)."""
    root = tmp_path_factory.mktemp('anticipation_demo')
    return generate_anticipation_demo(str(root), num_train_videos=6,
                                      num_val_videos=2, seed=0)


def retarget(cfg: Config, data_root: str) -> Config:
    """``cfg`` with ``data/anticipation_demo`` paths moved to ``data_root``."""
    def visit(x):
        if isinstance(x, dict):
            return {k: visit(v) for k, v in x.items()}
        if isinstance(x, list):
            return [visit(v) for v in x]
        if isinstance(x, str) and x.startswith('data/anticipation_demo'):
            return x.replace('data/anticipation_demo', data_root, 1)
        return x
    return Config(visit(cfg.to_dict()))


@pytest.fixture
def demo_config(ant_data: Dict, tmp_path: Path) -> Callable[..., Path]:
    """Write a demo config retargeted at the generated data, with the text
    encoder shrunk to TINY_BERT, ``num_actions`` set from the data and
    ``epochs`` epochs (validation every epoch); returns its path."""
    def make(src: Path, epochs: int = 1, **options) -> Path:
        root = str(Path(ant_data['actions']).parent)
        cfg = retarget(Config.fromfile(str(src)), root)
        cfg.model = shrink_model_cfg(cfg.model)
        cfg.model.num_actions = ant_data['num_actions']
        cfg.train_cfg.max_epochs = epochs
        cfg.train_cfg.val_interval = 1
        cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0,
                                    by_epoch=True, begin=0, end=epochs)]
        cfg.train_dataloader.batch_size = 16
        cfg.default_hooks.logger.interval = 1
        cfg.merge_from_dict(options)
        out = tmp_path / src.name
        cfg.dump(str(out))
        return out
    return make


def _tool_helpers():
    """``run_tool``/``tool_env``/``free_port`` of tests/tools/conftest.py
    (``tests`` is no package, so load it by path)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'vlalign_tests_tools_conftest',
        REPO_ROOT / 'tests' / 'tools' / 'conftest.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tools() -> object:
    """Module with ``run_tool``, ``tool_env`` and ``free_port``."""
    return _tool_helpers()
