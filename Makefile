# The one place to look: make demo, make test, make lint.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DATA ?= $(CURDIR)/.demo-data

.PHONY: demo test lint install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	NEWSDESK_DATA_DIR=$(DEMO_DATA) $(BIN)/newsdesk ingest examples/articles
	NEWSDESK_DATA_DIR=$(DEMO_DATA) $(BIN)/newsdesk ask "What did the Harbourview council decide about the ferry?"

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check bot retrieval ingest tests bench
	$(BIN)/ruff format --check bot retrieval ingest tests bench
	$(BIN)/mypy

clean:
	rm -rf $(DEMO_DATA) .pytest_cache .mypy_cache .ruff_cache
