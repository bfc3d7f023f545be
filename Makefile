# Everything a fresh machine with only python3 needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/klaster demo

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/document.py
	$(BIN)/python bench/finance.py
	$(BIN)/python bench/measurement.py --scaling
	$(BIN)/python bench/import_store.py

bench-quick: $(STAMP)
	$(BIN)/python bench/document.py --scale 0.01
	$(BIN)/python bench/finance.py --scale 0.01
	$(BIN)/python bench/measurement.py --members 10000
	$(BIN)/python bench/import_store.py --rows 10000

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
