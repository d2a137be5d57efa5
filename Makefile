# The one place to look: make demo, make test, make lint, make bench.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DATA ?= $(CURDIR)/.demo-data

.PHONY: demo test lint bench install dev clean

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

# Every benchmark, each writing its section of docs/benchmarks.md (about 20 minutes on 2 cores).
bench: install
	$(BIN)/pip install -q -e '.[dev,bench]'
	OPENBLAS_NUM_THREADS=1 $(BIN)/python bench/ingest.py --write
	OPENBLAS_NUM_THREADS=1 $(BIN)/python bench/query.py --articles 100 --questions 60 --write
	OPENBLAS_NUM_THREADS=1 $(BIN)/python bench/load.py --articles 200 --questions 50 --write

clean:
	rm -rf $(DEMO_DATA) .pytest_cache .mypy_cache .ruff_cache
