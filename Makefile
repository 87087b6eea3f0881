# microexp — one command per job; `make install` is implied by the others.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help install test test-all lint train bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23.1"
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package (editable) with its dev extra

test: $(STAMP)  ## fast test suite (what CI runs)
	$(PY) -m pytest -m "not slow and not gpu" -q $(ARGS)

test-all: $(STAMP)  ## every test, the slow ones included
	$(PY) -m pytest -q $(ARGS)

lint: $(STAMP)  ## ruff lint + format check, module and function sizes (tools/check_layout.py)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) tools/check_layout.py

train: $(STAMP)  ## train the joint network on the synthetic set (spatial and temporal first if needed)
	$(PY) train.py stage=joint $(ARGS)

bench: $(STAMP)  ## benchmarks -> bench/latest.json
	$(PY) -m microexp.bench all --out bench/latest.json $(ARGS)

clean:  ## remove outputs, caches and the venv
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
