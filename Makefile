# The README's commands. `make test` works on a fresh clone: it creates .venv when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test lint typecheck unit generate bench demo clean

DEMO_PORT    ?= 8025
DEMO_API_KEY ?= demo0api0key0for0the0local0emulator

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
	$(BIN)/python scripts/emulator_coverage.py --check

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
	$(BIN)/python bench/emulator_import.py

# Until the Django demo CRM lands (issue 4): the sandbox alone, with a seeded account.
demo: $(STAMP)
	@echo "Selzy emulator: http://127.0.0.1:$(DEMO_PORT)   API key: $(DEMO_API_KEY)"
	@echo "Outbox (letters it 'sent'): http://127.0.0.1:$(DEMO_PORT)/_emulator/outbox"
	@echo "Try: SELZY_API_KEY=$(DEMO_API_KEY) SELZY_BASE_URL=http://127.0.0.1:$(DEMO_PORT) $(BIN)/selzy call getLists"
	$(BIN)/selzy emulator serve --port $(DEMO_PORT) --api-key $(DEMO_API_KEY)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
