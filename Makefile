# reportkit — every target installs what it needs itself.
#   make report   set up, generate + ingest the sample data, render the sample reports
#   make test     set up (including Chromium for the browser tests) and run the test suite
#   make lab      start JupyterLab with the project's kernel
#   make bench    run the benchmarks in bench/
#   make docs     the API reference (docs/api/) from the docstrings
#   make upgrade  re-resolve requirements.lock to the newest releases, then make test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.reportkit-installed
PIP_FLAGS := --quiet --disable-pip-version-check
LOCK := requirements.lock

.PHONY: setup system report test check upgrade lab docs bench lint clean

setup: $(STAMP)

# Installs come from the committed lock (requirements.lock: every package pinned, with hashes),
# so a fresh clone gets what the tests passed with. `make upgrade` re-resolves it.
$(STAMP): pyproject.toml $(LOCK)
	@echo "==> creating $(VENV) and installing the locked dependencies ($(LOCK))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@set -o pipefail; $(BIN)/python -m pip install $(PIP_FLAGS) --require-hashes -r $(LOCK) 2>&1 \
	  | { grep -v "^WARNING: Location" || true; }  # pip's status decides, quiet or not
	@set -o pipefail; $(BIN)/python -m pip install $(PIP_FLAGS) --no-deps -e . 2>&1 \
	  | { grep -v "^WARNING: Location" || true; }
	@$(BIN)/python -m ipykernel install --sys-prefix --name reportkit --display-name "Python (reportkit)" >/dev/null
	@touch $(STAMP)

# Re-resolve every dependency to its newest release allowed by pyproject.toml, install that and
# run the tests: commit requirements.lock only when they pass.
upgrade: setup
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
	  --no-header --upgrade --quiet -o $(LOCK)
	@rm -f $(STAMP)
	$(MAKE) test

# The checks that keep the code base in shape: every imported package declared (deptry) and
# the package's layers (import-linter, the contract in pyproject.toml).
check: setup
	$(BIN)/deptry src
	$(BIN)/lint-imports

# System packages: headless Chromium (PDF and browser tests), poppler (pdftotext/pdftoppm), fonts.
system:
	@bash tools/install-system-deps.sh

report: setup
	@-bash tools/install-system-deps.sh --optional
	$(BIN)/reportkit sample --if-missing
	$(BIN)/reportkit ingest data/sample
	$(BIN)/reportkit demo

# The suite on TEST_WORKERS processes (pytest-xdist), each test file on one of them: its
# module fixtures are made once. TEST_WORKERS=0 runs it in this process, one test at a time.
TEST_WORKERS ?= 2

test: setup system check
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

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

# The API reference for notebook authors, generated from the docstrings into docs/api/.
docs: setup
	$(BIN)/python tools/docs.py docs/api

bench: setup
	$(BIN)/python bench/run_all.py

lint: setup
	$(BIN)/ruff check src tests bench

clean:
	rm -rf data/warehouse data/quarantine data/archive outputs/*/ .pytest_cache
