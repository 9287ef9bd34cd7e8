# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint setup system-packages samples

run: setup
	$(BIN)/airclass db upgrade
	$(BIN)/airclass demo --samples sample_media/out
	AIRCLASS_PUBLIC_URL=$${AIRCLASS_PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/airclass serve --host $(HOST) --port $(PORT)

test: setup lint
	$(BIN)/pytest
	@if [ -n "$$AIRCLASS_REQUIRE_POSTGRES" ] || $(BIN)/python -m scripts.postgres_reachable "$(TEST_POSTGRES_URL)"; then \
		echo "== database tests again on PostgreSQL ($(TEST_POSTGRES_URL))"; \
		AIRCLASS_DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest tests/integration tests/web tests/browser tests/fuzz; \
	else \
		echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL): database tests ran on SQLite only"; \
	fi

# Lint, types and the layers (import-linter contracts in pyproject.toml) before any test runs.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

setup: system-packages $(VENV)/.installed

system-packages:
	@scripts/system-packages.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

samples: setup
	$(BIN)/python sample_media/generate.py sample_media/out
