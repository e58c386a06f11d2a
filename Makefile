# Resurface — the README's commands. Everything runs from .venv, which these targets create.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test check lint typecheck imports pytest bench bench-packages install system-packages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate the SQLite database, load the demo clinics, serve on $(HOST):$(PORT)
demo: install
	$(BIN)/resurface db upgrade
	$(BIN)/resurface demo load
	$(BIN)/resurface serve --host $(HOST) --port $(PORT)

## make test: everything CI runs — lint, format, types, import contracts, the whole test suite
test: install system-packages lint typecheck imports pytest

check: test

system-packages:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v pdftotext >/dev/null 2>&1 || { \
	  echo "Installing Debian's poppler-utils (pdftotext, pdftoppm) for the PDF tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest -q

## make bench: speed and memory measurements (not part of the tests)
bench: install bench-packages
	$(BIN)/python -m bench

# wrk: the concurrency bench's load generator (in C, so the load takes little of the server's
# cores); without it the bench drives the server from Python and says so.
bench-packages:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk, the load generator of bench/concurrency.py"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
	  || echo "wrk could not be installed: bench/concurrency.py will drive the server from Python"; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
