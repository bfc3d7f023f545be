# Everything a fresh machine with only python3 needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-py313 lint typecheck pytest bench bench-quick fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make demo` installs only what the demo needs (the `demo` extra: about 260 MB of venv, where
# the developer tools of `make test` take over 1 GB); `make test` adds them to the same venv.
DEMO_STAMP := $(VENV)/.installed-demo

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/klaster demo

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

# The suite on another Python in a throwaway venv (not part of `make test`), e.g. 3.13:
# make test-py313 PY313=~/.pyenv/versions/3.13.0/bin/python3.13
PY313 ?= python3.13
test-py313:
	rm -rf /tmp/klaster-py313
	$(PY313) -m venv /tmp/klaster-py313
	/tmp/klaster-py313/bin/python -m pip install --quiet -e '.[dev]'
	/tmp/klaster-py313/bin/pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/document.py
	$(BIN)/python bench/finance.py
	$(BIN)/python bench/measurement.py --scaling
	$(BIN)/python bench/import_store.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/build.py

bench-quick: $(STAMP)
	$(BIN)/python bench/document.py --scale 0.01
	$(BIN)/python bench/finance.py --scale 0.01
	$(BIN)/python bench/measurement.py --members 10000
	$(BIN)/python bench/import_store.py --rows 10000
	$(BIN)/python bench/build.py --members 10000 --per-record-members 10000

# The fuzz campaign: 50,000 generated inputs across every public reader (docs/reliability.md).
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
