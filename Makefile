# The README's commands. `make test` works on a fresh clone: it creates .venv when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test lint typecheck unit generate bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/unasync.py --check

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# Regenerates the sync client from the async source (scripts/unasync.py).
generate: $(STAMP)
	$(BIN)/python scripts/unasync.py
	$(BIN)/ruff format src/selzy/client/_sync

bench: $(STAMP)
	$(BIN)/python bench/client_encode.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
