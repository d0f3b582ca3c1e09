# KIM Monitor — every command bootstraps .venv from the lock file first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
# Dagster reads dagster.yaml from the project root; run history goes to the git-ignored var/.
export DAGSTER_HOME := $(CURDIR)
export KIM_DAGSTER_DIR := $(CURDIR)/var/dagster

.PHONY: demo test lint dev check-defs bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## demo: generate the default synthetic deliveries, run every asset, print the report index path
demo: $(STAMP)
	$(BIN)/kim demo

## test: lint (ruff, mypy, the import contract), the Dagster definitions check, then the whole
## test suite (unit, end-to-end, browser). Three workers on two cores: the end-to-end tests spend
## much of their time waiting (for `kim run` processes, locks, retries, the Dagster daemon), and
## a third worker fills it (on 2 cores 541.6 s against 665.0 s with two; docs/architecture.md).
test: $(STAMP) lint check-defs
	$(BIN)/python -m pytest -n 3 --dist loadscope --no-loadscope-reorder -q

## lint: ruff (lint + format), the type checker and the import contract of docs/architecture.md
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## check-defs: load the Dagster definitions the way `dagster dev` does
check-defs: $(STAMP)
	$(BIN)/dg check defs

## dev: the Dagster UI on http://localhost:3000 with the asset graph (demo mode: synthetic data)
dev: $(STAMP)
	KIM_DEMO_MODE=1 $(BIN)/dagster dev

## bench: the benchmark at tier S (TIER=M for a large city, TIER=L for NRW); see docs/performance.md
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --tier $(or $(TIER),S)

## lock: re-resolve the dependencies of pyproject.toml into requirements.lock
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet '.[pipeline,test]'
	(echo "# Lock file: the exact environment (pip freeze of a fresh install of pyproject.toml's dependencies"; \
	 echo "# and the 'pipeline' and 'test' extras on Python 3.11). Regenerate with 'make lock'."; \
	 .venv-lock/bin/pip freeze --exclude-editable | grep -v '^kim-monitor') > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf var/ .pytest_cache
