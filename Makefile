# The README's commands. `make test` works on a fresh clone: it creates .venv when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test lint typecheck unit generate bench demo clean

# `make demo`: the demo CRM on DEMO_SITE_PORT, the emulator on DEMO_EMULATOR_PORT (demo/run.py).
DEMO_SITE_PORT     ?= 8000
DEMO_EMULATOR_PORT ?= 8025
DEMO_API_KEY       ?= demo0api0key0for0the0local0emulator

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,django]"
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/unasync.py --check
	$(BIN)/python scripts/emulator_coverage.py --check

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole suite (the Django module on SQLite); the Wagtail and django CMS adapters' tests,
# each on a site with its own settings (the whole suite leaves them out and says so; without
# Wagtail or django CMS installed such a pass ends at once with the reason, and fails under
# CI=true); then the Django module's tests again on PostgreSQL (PG* variables, default
# postgres@127.0.0.1:5432, maintenance database "test";
# pytest-django creates and drops test_test). Without a reachable server the second pass is
# skipped with the reason printed; under CI=true it fails instead. The Celery test starts its
# own workers on its own database and runs once, in the first pass.
unit: $(STAMP)
	$(BIN)/pytest
	@echo "== the form builders' adapters, each on a site of its own (Wagtail, django CMS) =="
	$(BIN)/pytest tests/contrib_django/wagtail_site --ds=tests.contrib_django.wagtail_site.settings
	$(BIN)/pytest tests/contrib_django/djangocms_site \
		--ds=tests.contrib_django.djangocms_site.settings
	@echo "== tests/contrib_django again, on PostgreSQL (SELZY_TEST_DB=postgres) =="
	SELZY_TEST_DB=postgres $(BIN)/pytest tests/contrib_django \
		--ignore=tests/contrib_django/test_celery.py

test: lint typecheck unit

# Regenerates the sync client from the async source (scripts/unasync.py).
generate: $(STAMP)
	$(BIN)/python scripts/unasync.py
	$(BIN)/ruff format src/selzy/client/_blocking

bench: $(STAMP)
	$(BIN)/python bench/client_encode.py
	$(BIN)/python bench/emulator_import.py
	$(BIN)/python bench/emulator_export.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/reconcile.py
	$(BIN)/python bench/webhooks.py --skip-reconcile
	$(BIN)/python bench/forms.py

# The demo CRM with the Selzy module: migrates and seeds demo/db.sqlite3, starts the emulator
# (unless SELZY_API_KEY is set: real-service mode) and the site; Ctrl-C stops both.
demo: $(STAMP)
	@$(BIN)/python demo/run.py --site-port $(DEMO_SITE_PORT) \
		--emulator-port $(DEMO_EMULATOR_PORT) --api-key $(DEMO_API_KEY)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
