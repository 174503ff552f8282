"""The test tree itself: pytest imports test files by basename (no
``__init__.py`` packages here), so two files with one name break collection."""
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_module_basenames_are_unique():
    names = Counter(p.name for p in TESTS.rglob('*.py')
                    if p.name not in ('conftest.py', '__init__.py'))
    assert not [n for n, c in names.items() if c > 1]
