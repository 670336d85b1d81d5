# linkgraph: two commands on a fresh clone — `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/run

.PHONY: install install-test install-bench browser java demo test test-fast bench clean

## The core package only (what `linkgraph resolve/score/chart/export/serve` need).
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@echo "installing linkgraph (core) into $(VENV) ..."
	$(BIN)/python -m pip install -q -e .
	touch $@

## + the test tools (pytest, httpx, playwright) and the Spark engine, for the test suite.
install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed
	@echo "installing the test and Spark extras into $(VENV) ..."
	$(BIN)/python -m pip install -q -e '.[dev,spark]'
	touch $@

## + Splink and the profilers, for the side-by-side benchmarks.
install-bench: $(VENV)/.installed-bench

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[bench]'
	touch $@

## Install the core, resolve the bundled fixtures into $(OUT), score the run against the fixtures' truth.
demo: install
	@echo "resolving the seven fixture files of fixtures/data (rules/sources/*.yaml) into $(OUT) ..."
	$(BIN)/linkgraph resolve --out $(OUT)
	@echo "scoring $(OUT) against the fixtures' ground truth (pairwise precision/recall/F1 per entity type):"
	$(BIN)/linkgraph evaluate $(OUT)
	@echo ""
	@echo "results: $(OUT)/ (mentions.csv, entities.csv, relations.csv, rejects.csv, summary.json)"
	@echo "try next (activate with: . $(VENV)/bin/activate):"
	@echo "  linkgraph score $(OUT)              # priority targets -> $(OUT)/score/ranked.csv"
	@echo "  linkgraph chart $(OUT) --top 10     # link chart -> $(OUT)/chart.html (open in a browser)"
	@echo "  linkgraph export $(OUT)             # GraphML, GEXF, i2, Neo4j, SVG -> $(OUT)/export/"
	@echo "  linkgraph serve $(OUT) --case CASE   # the explorer (audited; open the printed address)"

## Debian's Chromium for the browser tests (playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## Java 17+ for the Spark engine and its tests (Debian's OpenJDK, only when no such java is on the PATH).
java:
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' || { apt-get update -qq && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless || \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-21-jre-headless; }; }

## The whole test suite (what CI runs), browser and Spark tests included.
test: install-test browser java
	$(BIN)/python -m pytest -q

## The suite without the slow and the Spark tests.
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow and not spark"

## Benchmarks (installs Splink for the side-by-side runs).
bench: install-bench
	$(BIN)/python benchmarks/febrl.py

clean:
	rm -rf $(VENV) out .pytest_cache
