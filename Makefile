# reportkit — every target installs what it needs itself.
#   make report   set up, generate + ingest the sample data, render the sample reports
#   make test     set up (including Chromium for the browser tests) and run the test suite
#   make lab      start JupyterLab with the project's kernel
#   make bench    run the benchmarks in bench/
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.reportkit-installed
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: setup system report test lab bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing reportkit with its dependencies"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@set -o pipefail; $(BIN)/python -m pip install $(PIP_FLAGS) -e ".[dev]" 2>&1 \
	  | { grep -v "^WARNING: Location" || true; }  # pip's status decides, quiet or not
	@$(BIN)/python -m ipykernel install --sys-prefix --name reportkit --display-name "Python (reportkit)" >/dev/null
	@touch $(STAMP)

# System packages: headless Chromium (PDF and browser tests), poppler (pdftotext/pdftoppm), fonts.
system:
	@bash tools/install-system-deps.sh

report: setup
	@-bash tools/install-system-deps.sh --optional
	$(BIN)/reportkit sample --if-missing
	$(BIN)/reportkit ingest data/sample
	$(BIN)/reportkit demo

test: setup system
	$(BIN)/python -m pytest

# JupyterLab on the project's kernel ("reportkit", in the venv: --sys-prefix), with
# REPORTKIT_HOME set so the notebooks find data/warehouse; builds the sample warehouse first
# when there is none (and REPORTKIT_WAREHOUSE does not point elsewhere).
lab: setup
	@test -f $(VENV)/share/jupyter/kernels/reportkit/kernel.json || $(BIN)/python -m ipykernel \
	  install --sys-prefix --name reportkit --display-name "Python (reportkit)" >/dev/null
	@if [ -z "$$REPORTKIT_WAREHOUSE" ] && [ ! -f data/warehouse/catalog.json ]; then \
	  $(BIN)/reportkit sample --if-missing && $(BIN)/reportkit ingest data/sample; fi
	REPORTKIT_HOME="$(CURDIR)" JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab \
	  --ServerApp.root_dir=notebooks --MappingKernelManager.default_kernel_name=reportkit \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: setup
	$(BIN)/python bench/run_all.py

lint: setup
	$(BIN)/ruff check src tests bench

clean:
	rm -rf data/warehouse data/quarantine data/archive outputs/*/ .pytest_cache
