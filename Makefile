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

## run: the main job — the baseline scenario and its figures, under results/
run: $(STAMP)
	$(BIN)/corridor check scenarios/baseline.toml
	$(BIN)/corridor run scenarios/baseline.toml --out results/baseline
	$(BIN)/corridor plot results/baseline
	cp results/baseline/figures/monthly_boxes_by_crossing.png results/reference/baseline_monthly_boxes.png

## test: the whole test suite
test: $(TSTAMP)
	$(BIN)/python -m pytest -q

## bench: performance figures (not part of the tests)
bench: $(TSTAMP)
	$(BIN)/python benchmarks/bench_year.py
	$(BIN)/python -m pytest benchmarks/test_bench_core.py --benchmark-only -q

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
