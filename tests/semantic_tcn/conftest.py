"""Fixtures of the semantic TCN tests (helpers in semantic_tcn_helpers)."""
from pathlib import Path
from typing import Callable

import importlib.util

import pytest
from semantic_tcn_helpers import REPO_ROOT, make_tiny_data, write_tiny_config

# The tool-running fixtures of tests/tools (run_tool, tool_env, free_port).
_spec = importlib.util.spec_from_file_location(
    'semantic_tcn_tools_conftest', REPO_ROOT / 'tests/tools/conftest.py')
_tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tools)
run_tool_fixture = _tools.run_tool_fixture
tool_env_fixture = _tools.tool_env_fixture
free_port_fixture = _tools.free_port_fixture


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp('segdata')
    make_tiny_data(root)
    return root


@pytest.fixture
def tiny_config(tiny_data: Path, tmp_path: Path) -> Callable[[], Path]:
    return lambda: write_tiny_config(tmp_path, tiny_data)
