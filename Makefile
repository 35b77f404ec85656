# corridor-sim: `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run test bench check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

## run: the main job — the baseline scenario, results under results/
run: $(STAMP)
	$(BIN)/corridor check scenarios/baseline.toml
	$(BIN)/corridor run scenarios/baseline.toml --out results/baseline

## test: the whole test suite
test: $(TSTAMP)
	$(BIN)/python -m pytest -q

## bench: performance figures (not part of the tests)
bench: $(TSTAMP)
	$(BIN)/python benchmarks/bench_year.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
