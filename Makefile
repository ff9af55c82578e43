# nautilus_rl_lab: `make demo` and `make test` work on a fresh clone with nothing installed by hand.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The first Python 3.12 that runs: `python3.12` on PATH (a pyenv shim for a version that is not
# selected fails and is skipped), else pyenv's. Evaluated only when the venv is built.
PYTHON ?= $(firstword $(foreach py,python3.12 \
	$(sort $(wildcard $(HOME)/.pyenv/versions/3.12.*/bin/python3.12)), \
	$(shell $(py) -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && echo $(py))))

.DEFAULT_GOAL := help
.PHONY: help install browser services demo test lab lint bench clean

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(if $(PYTHON),,$(error No Python 3.12 found (python3.12 on PATH or $(HOME)/.pyenv/versions/3.12.*): install one, e.g. `pyenv install 3.12`, or pass PYTHON=/path/to/python3.12))
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	# torch first, pinned: on Python 3.12 it is PyPI's CUDA build (4.7 GB of wheels), which runs
	# on the CPU; an unpinned torch pulled in by another package could take a newer build.
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the package with its dev extras

# The browser test drives Debian's chromium through playwright (never `playwright install`).
browser:  ## Install Debian's chromium for the browser test (as root, when missing)
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "chromium is missing and this is not root: the browser test will be skipped"; \
	fi

demo: $(STAMP)  ## Run the main job end to end on the bundled data
	$(PY) -m nautilus_rl_lab.cli demo

# Debian packages the tests start on 127.0.0.1 (Redis for Nautilus' cache, PostgreSQL for Optuna);
# installed only when missing and only as root (otherwise those tests skip with a message).
SERVICE_PACKAGES := redis-server:redis-server postgresql:initdb
services:  ## Install redis-server and postgresql with apt-get when missing (root only)
	@missing=""; for pair in $(SERVICE_PACKAGES); do pkg=$${pair%%:*}; bin=$${pair##*:}; \
	  command -v $$bin >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/$$bin >/dev/null 2>&1 \
	  || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	elif [ -n "$$missing" ]; then echo "not installed:$$missing (tests needing them skip)"; fi

test: $(STAMP) lint browser services  ## Lint, then the whole test suite, notebooks and browser test included (fast mode)
	NRL_FAST=1 $(PY) -m pytest tests --nbmake notebooks -q

# `make lab FAST=1` starts it in fast mode (NRL_FAST=1: every budget shrunk, as in CI).
FAST ?= 0
# It serves the repository (so the notebooks' links into runs/ open) and starts in notebooks/.
lab: $(STAMP)  ## Open JupyterLab on notebooks/ (FAST=1 for fast mode; works as root)
	NRL_FAST=$(FAST) $(VENV)/bin/jupyter lab --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root)

lint: $(STAMP)  ## Ruff lint + format check and mypy
	$(VENV)/bin/ruff check nautilus_rl_lab tests benchmarks
	$(VENV)/bin/ruff format --check nautilus_rl_lab tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)  ## Run the benchmarks (JSON lines, documented in benchmarks/README.md)
	$(PY) benchmarks/bench_env.py
	$(PY) benchmarks/bench_reference.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/bench_backtest.py
	$(PY) benchmarks/bench_scenarios.py
	$(PY) benchmarks/bench_cluster.py
	$(PY) benchmarks/bench_memory.py
	$(PY) benchmarks/bench_portfolio.py

clean:  ## Remove the virtual environment and run artefacts
	rm -rf $(VENV) runs .pytest_cache
