"""A study's ``horizon = "START:END"``: the optimisation's and the sweep's base run for
another span exactly as ``corridor run --horizon`` runs it (the base's dated changes and
the dated decisions fitted to it), its warnings said once, its runs those of the scenario
run so, and a changed horizon a different study."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.engine.model import Model
from sim.measure.kpis import compute
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.study.optimize import load_optimization, run_optimization
from sim.study.sweeps import load_sweep, run_sweep
from sim.study.sweeps.spec import fingerprint
from sim.study.sweeps.worker import run_scenario

HERE = Path(__file__).parent
TOY_SEA = (HERE / "scenarios" / "toy_sea.toml").resolve()
D = dt.date
SPAN = (D(2024, 2, 1), D(2024, 2, 15))
FIRST = D(2024, 1, 22)               # the run's first day: 10 days of warm-up before SPAN
PERIOD = "2024 Feb 1–14"             # the label of the reported days
CRANES, FLEET = "nodes.west.port.cranes", "services.ferry.fleet"

# two dated changes: one before the run's first day (in force from it), one after the end
BASE = f"""extends = "{TOY_SEA}"
name = "base"
[[timeline]]
date = 2024-01-05
set = {{ "{CRANES}" = 3, "{FLEET}" = 4 }}
source = "assumption: a test"
[[timeline]]
date = 2024-02-20
set = {{ "{FLEET}" = 2 }}
source = "assumption: a test"
"""
BASE_NOTES = [
    "warning: base.toml: timeline[0].date: 2024-01-05 is before the run's first day "
    "2024-01-22 (warm-up included); in force from then",
    "warning: base.toml: timeline[1].date: 2024-02-20 is after the horizon's end "
    "2024-02-15; dropped"]

OPTIMIZE = f"""scenario = "base.toml"
horizon = "2024-02-01:2024-02-15"
budget = 2
batch = 2
replications = 1
seed = 1
[confirm]
candidates = 0
[[decisions]]
name = "ferries"
path = "{FLEET}"
options = [3, 6]
option_costs_usd = [0, 72e6]
at = 2024-01-15
source = "assumption: a test"
[[constraints]]
output = "port_dwell_hours_mean:west@2024"
max = 1000
"""

SWEEP = """scenario = "base.toml"
horizon = "2024-02-01:2024-02-15"
method = "oat"
samples = 2
replications = 2
seed = 5
outputs = ["port_dwell_hours_mean:west", "transit_containers_china_central_asia@2024"]
[[parameters]]
name = "berths"
path = "nodes.west.port.berths"
low = 1
high = 3
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    return tmp_path


def write(folder: Path, text: str, name: str = "spec.toml") -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def kpi(scenario, seed: int, rep: int, name: str, scope: str, period: str = PERIOD) -> float:
    return compute(Model(scenario, seed, rep).run())[(name, period, scope)]


def test_without_horizon_a_set_start_still_fails_on_the_base_s_dated_changes(folder, capsys):
    p = write(folder, OPTIMIZE.replace('horizon = "2024-02-01:2024-02-15"',
                                       'set = { "horizon.start" = 2024-02-01 }'))
    assert main(["optimize", str(p), "--out", str(folder / "o"), "--check"]) == 2
    assert "timeline[0].date: 2024-01-05 is outside the simulated span" in \
        capsys.readouterr().err


def test_the_optimisation_checks_with_each_warning_once(folder, capsys):
    p = write(folder, OPTIMIZE)
    assert main(["optimize", str(p), "--out", str(folder / "o"), "--check"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        *(n.replace("base.toml", str(folder / "base.toml")) for n in BASE_NOTES),
        f"warning: {p}: decisions[0].at: 2024-01-15 is before the run's first day "
        "2024-01-22 (warm-up included); in force from then"]
    assert "valid; 1 decision(s), 2 candidates possible" in out
    assert not (folder / "o").exists()


def test_a_decision_dated_before_the_start_is_in_force_from_it(folder):
    """The candidate's scenario: the base's change before the run and the decision (dated
    later) both from the first day, the decision last, so that its value holds; the
    base's change after the end dropped. Its run is the scenario with the decision as a
    dated change, run by 'corridor run --horizon'."""
    opt = load_optimization(write(folder, OPTIMIZE))
    s = run_scenario(opt.loaded, opt.inputs([1]), "t", "base.toml", opt.spec.span)
    assert (s.horizon.start, s.horizon.end) == SPAN and s.horizon.label_partial_years
    assert [(c.date, c.set) for c in s.timeline] == [(FIRST, {CRANES: 3, FLEET: 4}),
                                                     (FIRST, {FLEET: 6})]
    s = run_scenario(opt.loaded, opt.inputs([0]), "t", "base.toml", opt.spec.span)
    assert s.timeline[-1].set == {FLEET: 3}
    run_optimization(opt, folder / "o", workers=1)
    t = pd.read_parquet(folder / "o" / "evaluations.parquet")
    t["ferries"] = t.ferries.astype(int)   # (an options decision's column is text)
    assert sorted(t.ferries) == [3, 6] and (t.status == "ok").all()
    col = "values:port_dwell_hours_mean:west@2024"
    for ferries, values in zip(t.ferries, t[col]):
        child = write(folder, f'extends = "base.toml"\nname = "c"\n[[timeline]]\n'
                      f'date = 2024-01-15\nset = {{ "{FLEET}" = {ferries} }}\n'
                      'source = "assumption: a test"\n', "child.toml")
        ref = load_scenario(child, horizon=SPAN)
        assert list(values) == [kpi(ref, 1, 0, "port_dwell_hours_mean", "west")]
    # the decision acts: more ferries, less time at the west port
    by = dict(zip(t.ferries, t["mean:port_dwell_hours_mean:west@2024"]))
    assert by[6] < by[3]
    man = json.loads((folder / "o" / "manifest.json").read_text())
    assert man["spec"]["horizon"] == "2024-02-01:2024-02-15"
    assert {o["period"] for o in man["outputs"]} == {PERIOD}


def test_a_decision_dated_before_a_base_change_gives_way_to_it(folder):
    # both before the run: the later-dated holds, as in a run from the base's own start
    opt = load_optimization(write(folder, OPTIMIZE.replace("at = 2024-01-15",
                                                           "at = 2024-01-02")))
    s = run_scenario(opt.loaded, opt.inputs([1]), "t", "base.toml", opt.spec.span)
    assert [(c.date, c.set) for c in s.timeline] == [(FIRST, {FLEET: 6}),
                                                     (FIRST, {CRANES: 3, FLEET: 4})]


def test_the_sweep_runs_the_base_fitted_to_its_horizon(folder, capsys):
    p = write(folder, SWEEP)
    out = folder / "o"
    assert main(["sweep", str(p), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    # each warning once, not once per run (6 runs)
    assert capsys.readouterr().err.splitlines() == [
        n.replace("base.toml", str(folder / "base.toml")) for n in BASE_NOTES]
    rows = pd.read_parquet(out / "runs.parquet")
    assert len(rows) == 6 and (rows.status == "ok").all()
    man = json.loads((out / "sweep.json").read_text())
    assert [o["period"] for o in man["outputs"]] == [PERIOD, PERIOD]
    # a run is the base with the point's value, run by 'corridor run --horizon'
    for _, r in rows.iterrows():
        ref = load_scenario(folder / "base.toml", overrides={
            "nodes.west.port.berths": int(r.berths)}, horizon=SPAN)
        K = compute(Model(ref, 5, int(r.replication)).run())
        assert r["port_dwell_hours_mean:west"] == K[("port_dwell_hours_mean", PERIOD,
                                                     "west")]
        assert r["transit_containers_china_central_asia@2024"] == K[(
            "transit_containers_china_central_asia", PERIOD, "all")]


def test_a_changed_horizon_is_another_study(folder):
    p = write(folder, SWEEP.replace("replications = 2", "replications = 1"))
    first = load_sweep(p)
    run_sweep(first, folder / "o", workers=1)
    write(folder, SWEEP.replace("replications = 2", "replications = 1").replace(
        "2024-02-15", "2024-02-22"))
    other = load_sweep(p)
    assert other.fingerprint != first.fingerprint
    with pytest.raises(ConfigError, match=r"o: --out: holds a sweep of other inputs "
                       r"\(changed: the base scenario, horizon\); rerun with --restart"):
        run_sweep(other, folder / "o", workers=1)
    assert run_sweep(other, folder / "o", workers=1, restart=True).ran == 3
    # the optimisation's folder likewise
    p = write(folder, OPTIMIZE)
    run_optimization(load_optimization(p), folder / "opt", workers=1)
    write(folder, OPTIMIZE.replace("2024-02-15", "2024-02-22"))
    with pytest.raises(ConfigError, match=r"opt: --out: holds an optimisation of "
                       r"other inputs \(changed: the base scenario, horizon\)"):
        run_optimization(load_optimization(p), folder / "opt", workers=1)


def test_a_spec_without_horizon_keeps_its_fingerprint():
    written = {"scenario": "a.toml", "budget": 4}
    assert fingerprint({**written, "horizon": None}, "h", 1) == fingerprint(written, "h", 1)
    assert fingerprint({**written, "horizon": "2024-01-01:2024-02-01"}, "h", 1) != \
        fingerprint(written, "h", 1)
