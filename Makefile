# nautilus_rl_lab: `make demo` and `make test` work on a fresh clone with nothing installed by hand.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test lab lint bench clean

help:  ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	# CPU build of torch first: on these machines it resolves to a local wheel (never the CUDA build).
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the package with its dev extras

demo: $(STAMP)  ## Run the main job end to end on the bundled data
	$(PY) -m nautilus_rl_lab.cli demo

test: $(STAMP)  ## Run the whole test suite, notebooks included (fast mode)
	NRL_FAST=1 $(PY) -m pytest tests --nbmake notebooks -q

lab: $(STAMP)  ## Open JupyterLab on notebooks/
	$(VENV)/bin/jupyter lab notebooks/

lint: $(STAMP)  ## Ruff lint + format check and mypy
	$(VENV)/bin/ruff check nautilus_rl_lab tests benchmarks
	$(VENV)/bin/ruff format --check nautilus_rl_lab tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)  ## Run the benchmarks (JSON lines)
	$(PY) benchmarks/bench_env.py
	$(PY) benchmarks/bench_training.py

clean:  ## Remove the virtual environment and run artefacts
	rm -rf $(VENV) runs .pytest_cache
