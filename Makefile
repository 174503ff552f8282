# Two commands: `make demo` and `make test`. Each creates (or reuses) the
# project virtual environment in $(VENV) with the pinned stack, then runs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.vlalign-installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: install demo test clean-demo

install: $(STAMP)

$(STAMP): setup.py requirements/*.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c $(CONSTRAINTS) -r requirements/build.txt
	$(PIP) install -q -c $(CONSTRAINTS) -r requirements/runtime.txt -r requirements/optional.txt -r requirements/tests.txt
	$(PIP) install -q --no-deps -c $(CONSTRAINTS) -r requirements/mminstall.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	touch $@

demo: install
	$(PY) tools/demo.py

test: install
	$(PY) -m pytest tests -q

clean-demo:
	rm -rf work_dirs/demo data/demo
