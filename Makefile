# linkgraph: two commands on a fresh clone — `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/demo

.PHONY: install browser demo test test-fast bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

## Install, resolve the bundled fixtures into $(OUT), and score the result against ground truth.
demo: install
	$(BIN)/linkgraph resolve --out $(OUT)
	$(BIN)/linkgraph evaluate

## Debian's Chromium for the browser tests (playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## The whole test suite (what CI runs), browser tests included.
test: install browser
	$(BIN)/python -m pytest -q

## The suite without the slow tests.
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

## Benchmarks (installs Splink for the side-by-side runs).
bench: install
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/febrl.py

clean:
	rm -rf $(VENV) out .pytest_cache
