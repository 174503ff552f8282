"""Fixtures of the verb/noun tests: generated EPIC-100 style data, and the
tool runners of ``tests/tools/conftest.py``."""
import importlib.util
from pathlib import Path
from typing import Dict

import pytest

from vlalign.data_prep.demo.epic_features import generate_epic_demo

_TOOLS_CONFTEST = Path(__file__).resolve().parents[1] / 'tools' / 'conftest.py'
_spec = importlib.util.spec_from_file_location('_vn_tools_conftest',
                                               _TOOLS_CONFTEST)
tools_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tools_conftest)


@pytest.fixture(scope='session')
def epic_demo(tmp_path_factory: pytest.TempPathFactory) -> Dict:
    """Generated data (npy features, 10 rows/s): the generator's summary."""
    out = tmp_path_factory.mktemp('epic_demo')
    return generate_epic_demo(str(out), segments_per_video=12, seed=0)


def data_options(summary: Dict) -> list:
    """``--cfg-options`` pointing the demo config at generated data."""
    opts = []
    for loader, ann in (('train_dataloader', summary['train_file']),
                        ('val_dataloader', summary['val_file']),
                        ('test_dataloader', summary['val_file'])):
        opts += [f'{loader}.dataset.ann_file={ann}',
                 f"{loader}.dataset.feature_dir={summary['features']}",
                 f"{loader}.dataset.verb_class_file="
                 f"{summary['verb_class_file']}",
                 f"{loader}.dataset.noun_class_file="
                 f"{summary['noun_class_file']}"]
    return opts


@pytest.fixture(name='run_tool')
def run_tool_fixture():
    return tools_conftest.run_tool


@pytest.fixture(name='tool_env')
def tool_env_fixture():
    return tools_conftest.tool_env


@pytest.fixture(name='free_port')
def free_port_fixture():
    return tools_conftest.free_port


@pytest.fixture
def demo_options(epic_demo: Dict) -> list:
    """:func:`data_options` of :func:`epic_demo`."""
    return data_options(epic_demo)
