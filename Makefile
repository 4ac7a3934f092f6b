# The two commands a new machine needs: `make demo` and `make test`. Both set up the virtualenv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest slow build bench table databases clean

$(VENV)/.installed: requirements-dev.txt layers/crossrotate/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python scripts/demo.py

test: lint typecheck pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: $(VENV)/.installed databases
	$(BIN)/pytest -m "not slow"

slow: $(VENV)/.installed databases
	$(BIN)/pytest -m slow

build:
	bash scripts/sam-build.sh

# Timing-dependent, so never part of `make test` or CI. Writes its table into the README.
bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py --readme

databases:
	bash scripts/install-databases.sh

table: $(VENV)/.installed
	$(BIN)/python scripts/classification_table.py --write

clean:
	rm -rf $(VENV) .venv-sam .venv-bench .aws-sam .mypy_cache .ruff_cache
