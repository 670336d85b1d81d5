# linkgraph: two commands on a fresh clone — `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/demo

.PHONY: install browser java demo test test-fast bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,spark]'
	touch $@

## Install, resolve the bundled fixtures into $(OUT), and score the result against ground truth.
demo: install
	$(BIN)/linkgraph resolve --out $(OUT)
	$(BIN)/linkgraph evaluate

## Debian's Chromium for the browser tests (playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## Java 17+ for the Spark engine and its tests (Debian's OpenJDK, only when no such java is on the PATH).
java:
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' || { apt-get update -qq && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless || \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-21-jre-headless; }; }

## The whole test suite (what CI runs), browser and Spark tests included.
test: install browser java
	$(BIN)/python -m pytest -q

## The suite without the slow and the Spark tests.
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not spark"

## Benchmarks (installs Splink for the side-by-side runs).
bench: install
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/febrl.py

clean:
	rm -rf $(VENV) out .pytest_cache
