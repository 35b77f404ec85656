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

REPS ?= 4

## run: the main job — the baseline, its figures and report; the Kuryk terminal (and its
## variant with more ships) against its counterfactual (the Caspian as committed), REPS
## replications each, compared, appraised and tabled; its rival, a second Black Sea
## feeder ship, run and appraised the same way,
## with the figures of every folder
run: $(STAMP)
	$(BIN)/corridor check scenarios/baseline.toml
	$(BIN)/corridor run scenarios/baseline.toml --out results/baseline
	$(BIN)/corridor plot results/baseline
	$(BIN)/corridor report results/baseline
	cp results/baseline/figures/monthly_boxes_by_crossing.png results/reference/baseline_monthly_boxes.png
	cp results/baseline/figures/corridor_map.png results/reference/baseline_corridor_map.png
	$(BIN)/corridor run scenarios/caspian_committed_2030.toml --replications $(REPS) --no-containers --out results/caspian_committed_2030
	$(BIN)/corridor run scenarios/kuryk_terminal.toml --replications $(REPS) --no-containers --out results/kuryk_terminal
	$(BIN)/corridor run scenarios/kuryk_terminal_fleet.toml --replications $(REPS) --no-containers --out results/kuryk_terminal_fleet
	$(BIN)/corridor compare results/caspian_committed_2030 results/kuryk_terminal --out results/compare-kuryk_terminal
	$(BIN)/corridor compare results/caspian_committed_2030 results/kuryk_terminal_fleet --out results/compare-kuryk_terminal_fleet
	$(BIN)/corridor appraise results/kuryk_terminal results/caspian_committed_2030 --costs scenarios/appraisal/kuryk_terminal.toml --out results/appraise-kuryk_terminal
	$(BIN)/corridor plot results/appraise-kuryk_terminal
	$(BIN)/corridor run scenarios/batumi_relief_2030.toml --replications $(REPS) --no-containers --out results/batumi_relief_2030
	$(BIN)/corridor appraise results/batumi_relief_2030 results/caspian_committed_2030 --costs scenarios/appraisal/batumi_relief.toml --out results/appraise-batumi_relief
	$(BIN)/corridor plot results/appraise-batumi_relief
	$(BIN)/corridor plot results/caspian_committed_2030
	$(BIN)/corridor plot results/batumi_relief_2030
	$(BIN)/corridor plot results/kuryk_terminal
	$(BIN)/corridor plot results/kuryk_terminal_fleet
	$(BIN)/corridor plot results/compare-kuryk_terminal
	$(BIN)/corridor plot results/compare-kuryk_terminal_fleet
	$(BIN)/corridor table results/caspian_committed_2030 results/kuryk_terminal results/kuryk_terminal_fleet --period 2030 --out results/table-2030 --quiet
	$(BIN)/corridor sweep scenarios/sweeps/caspian_drivers.toml --out results/sweep-caspian --restart
	$(BIN)/corridor analyze results/sweep-caspian --quiet
	$(BIN)/corridor plot results/sweep-caspian
	$(BIN)/corridor report results/sweep-caspian
	cp results/sweep-caspian/figures/oat_transit_time_days_mean_middle_corridor.png results/reference/sweep_caspian_tornado.png
	$(BIN)/corridor optimize scenarios/optimize/aktau_2024_small.toml --out results/optimize-aktau-small --restart --quiet
	$(BIN)/corridor plot results/optimize-aktau-small
	$(BIN)/corridor report results/optimize-aktau-small

CHROMIUM ?= /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

## test: lint (ruff), types (mypy), the layer contracts (import-linter), then the whole
## test suite (the slow tests included; `-m "not slow"` skips them when you iterate).
## Installs Debian's chromium when it is missing, for the report's browser test, which
## CORRIDOR_REQUIRE_BROWSER=1 makes fail rather than skip without it
test: $(TSTAMP) $(CHROMIUM)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	CORRIDOR_REQUIRE_BROWSER=1 CORRIDOR_CHROMIUM=$(CHROMIUM) \
	NUMPY_MADVISE_HUGEPAGE=$${NUMPY_MADVISE_HUGEPAGE:-0} $(BIN)/python -m pytest -q

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

## bench: performance figures (not part of the tests)
bench: $(TSTAMP)
	$(BIN)/python benchmarks/bench_year.py
	$(BIN)/python benchmarks/bench_stages.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_replications.py
	$(BIN)/python benchmarks/bench_plot.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python -m pytest benchmarks/test_bench_core.py --benchmark-only -q

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
