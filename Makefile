# The two commands a new machine needs: `make demo` and `make test`. Both set up the virtualenv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: vectors lock demo test test313 unit format lint typecheck pytest slow shuffle build bench table databases clean

$(VENV)/.installed: requirements-dev.txt layers/crossrotate/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python scripts/demo.py

test: lint typecheck pytest

# The same tests on Python 3.13, the Lambda runtime's version, in a virtualenv of its own; half the fault
# schedules (make test draws the full 800), so CI's budget of schedules stays fixed.
test313:
	FAULT_SCHEDULE_SHARE=0.5 $(MAKE) pytest PYTHON="$$(bash scripts/python313)" VENV=.venv-313

# The fast loop: the library's own tests, the template's and the provider contract, no database servers.
unit: $(VENV)/.installed
	$(BIN)/pytest tests/unit tests/template tests/contract -m "not slow and not database"

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

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

# The tests in a random order (pytest-randomly; it prints its seed, and `-p randomly --randomly-seed=<n>` repeats it):
# no test may depend on another having run first.
shuffle: $(VENV)/.installed databases
	$(BIN)/pytest -m "not slow" -p randomly

build:
	bash scripts/sam-build.sh

# Timing-dependent, so never part of `make test` or CI. Writes its tables into docs/performance.md.
bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py --write

databases:
	bash scripts/install-databases.sh

# The layer's pinned closure, resolved for Lambda (Python 3.13, arm64) from layers/crossrotate/requirements.in.
# Left out: what the Lambda runtime ships (boto3 and its dependencies, python-dateutil and what it pulls in),
# and anyio/sniffio (httpx's async backend, which a synchronous client never imports).
RUNTIME_SHIPS = boto3 botocore s3transfer jmespath python-dateutil six urllib3 tzdata anyio sniffio
lock: $(VENV)/.installed
	cd layers/crossrotate && ../../$(BIN)/uv pip compile requirements.in --quiet --python-version 3.13 \
		--python-platform aarch64-manylinux_2_28 --no-annotate --custom-compile-command "make lock" \
		$(foreach package,$(RUNTIME_SHIPS),--no-emit-package $(package)) -o requirements.txt

# Signing vectors from the official SDKs (dev dependencies), for tests/unit/test_signing_vectors.py.
vectors: $(VENV)/.installed
	env -u HTTP_PROXY -u http_proxy $(BIN)/python scripts/signing_vectors.py

table: $(VENV)/.installed
	$(BIN)/python scripts/classification_table.py --write
	$(BIN)/python scripts/provider_table.py --write

clean:
	rm -rf $(VENV) .venv-313 .venv-sam .venv-bench .aws-sam .mypy_cache .ruff_cache
