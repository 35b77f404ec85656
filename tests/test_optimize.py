"""Simulation-based optimisation (issue 16 item 2): the known optimum of a noisy toy
under a constraint, resume after a crash, the Pareto front, the command on a tiny
scenario with its figures and report."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim.study.optimize.runner as runner
from sim.cli import main
from sim.io.folders import open_folder
from sim.plots.optimize import constraint_by_evaluation, objective_by_evaluation, optimize_tables
from sim.study.optimize import load_optimization, run_optimization
from sim.study.optimize.evaluate import Evaluation, binding
from sim.study.optimize.folder import latest, shortfall, write_results
from sim.study.optimize.runner import evaluations
from sim.study.optimize.store import OptimizeStore
from tests.conftest import UNREACHABLE, rows_written, unreachable

HERE = Path(__file__).parent
TOY_SEA = (HERE / "scenarios" / "toy_sea.toml").resolve()

TOY = """
model = "sim.study.sweeps.testfunctions:build_to_target"
budget = {budget}
batch = 4
replications = 2
seed = {seed}
{extra}
[confirm]
candidates = 3
replications = 5
[[decisions]]
path = "ships"
low = 0
high = 8
cost_per_unit_usd = 4
source = "assumption: a toy"
[[decisions]]
path = "berths"
low = 0
high = 8
cost_per_unit_usd = 5
source = "assumption: a toy"
[[constraints]]
output = "wait"
max = 10.5
"""


def spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def table(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "evaluations.parquet").drop(columns=["wall_s"])


def brute_force_optimum() -> tuple[float, tuple[int, int]]:
    """The cheapest (ships, berths) with 30 - 2 ships - 3 berths <= 10.5, noise aside."""
    return min((4 * s + 5 * b, (s, b)) for s in range(9) for b in range(9)
               if 30 - 2 * s - 3 * b <= 10.5)


def test_finds_the_known_optimum_under_noise_and_respects_the_constraint(tmp_path):
    cost, (ships, berths) = brute_force_optimum()
    assert (cost, ships, berths) == (34, 1, 6)       # the toy's stated answer
    s = run_optimization(load_optimization(spec(tmp_path, TOY.format(budget=32, seed=1,
                                                                      extra=""))),
                         tmp_path / "o", workers=1)
    assert s.complete and s.evaluated == 32
    best = s.best
    assert best["decisions"] == {"ships": ships, "berths": berths}
    assert best["cost_usd"] == cost and best["replications"] == 5
    (c,) = best["constraints"]
    assert c["mean"] <= 10.5 and c["binds"] and c["ci95"][0] < c["mean"] < c["ci95"][1]
    t = table(tmp_path / "o")
    search = t[t.stage == "search"]
    # no candidate proposed twice; feasibility is the constraint on the mean, nothing else
    assert not search.duplicated(["ships", "berths"]).any()
    assert (search.feasible == (search["mean:wait"] <= 10.5)).all()
    # common random numbers: every candidate's noise is the same, replication by replication
    noise = [v - (30 - 2 * a - 3 * b) for v, a, b in
             zip(search["values:wait"], search.ships, search.berths)]
    assert all(n == pytest.approx(noise[0]) for n in noise)
    # the best is never an infeasible candidate, and nothing feasible is cheaper
    assert not ((search.feasible) & (search.cost_usd < cost)).any()
    md = (tmp_path / "o" / "best.md").read_text()
    assert "| **total** | | **34** |" in md and "| wait | ≤ 10.5 |" in md


def test_killed_optimisation_resumes_to_the_same_table(tmp_path, monkeypatch):
    """Interrupt after a few committed batches (as a kill between commits would), run the
    same command again: the final table equals an uninterrupted run's, no run lost or
    repeated, no candidate proposed twice."""
    p = spec(tmp_path, TOY.format(budget=20, seed=2, extra=""))
    run_optimization(load_optimization(p), tmp_path / "ref", workers=1)
    calls = {"n": 0}
    real_add = OptimizeStore.add

    def dying_add(self, rows):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real_add(self, rows)

    monkeypatch.setattr(OptimizeStore, "add", dying_add)
    with pytest.raises(KeyboardInterrupt):
        run_optimization(load_optimization(p), tmp_path / "crash", workers=1)
    part = table(tmp_path / "crash")
    assert 0 < len(part) < 20
    man = json.loads((tmp_path / "crash" / "manifest.json").read_text())
    assert man["status"]["complete"] is False
    monkeypatch.setattr(OptimizeStore, "add", real_add)
    s = run_optimization(load_optimization(p), tmp_path / "crash", workers=1)
    assert s.complete and s.resumed_runs > 0
    pd.testing.assert_frame_equal(table(tmp_path / "crash"), table(tmp_path / "ref"))
    store = OptimizeStore(tmp_path / "crash" / "evaluations.sqlite")
    try:
        rows = store.rows()
        assert len(rows) == len({(r[0], r[1]) for r in rows}) == 20 * 2 + 3 * 3
        assert len({tuple(ch) for _c, _r, ch in store.candidates()}) == 20
    finally:
        store.close()
    # and a finished folder run again does nothing
    again = run_optimization(load_optimization(p), tmp_path / "crash", workers=1)
    assert again.ran == 0


def test_same_table_on_two_workers(tmp_path):
    p = spec(tmp_path, TOY.format(budget=8, seed=3, extra=""))
    run_optimization(load_optimization(p), tmp_path / "one", workers=1)
    run_optimization(load_optimization(p), tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(table(tmp_path / "one"), table(tmp_path / "two"))


def test_pareto_front_of_cost_against_the_objective(tmp_path):
    p = spec(tmp_path, TOY.format(budget=30, seed=1, extra='mode = "pareto"\n'
                                  'objective = "wait"'))
    run_optimization(load_optimization(p), tmp_path / "o", workers=1)
    best = json.loads((tmp_path / "o" / "best.json").read_text())
    front = best["front"]
    assert len(front) >= 3
    costs = [f["cost_usd"] for f in front]
    waits = [f["objective"]["mean"] for f in front]
    assert costs == sorted(costs) and waits == sorted(waits, reverse=True)
    assert all(w <= 10.5 for w in waits)             # the constraint still holds
    # nothing evaluated and feasible beats a member of the front on both counts
    t = table(tmp_path / "o")
    feas = t[(t.stage == "search") & t.feasible]
    for c, w in zip(costs, waits):
        assert not ((feas.cost_usd < c) & (feas.objective < w - 1.0)).any()
    assert (tmp_path / "o" / "pareto.csv").is_file()
    assert main(["plot", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "figures" / "pareto_front.png").is_file()


SEA = f"""
scenario = "{TOY_SEA}"
budget = 6
batch = 3
replications = 2
seed = 1
[confirm]
candidates = 1
replications = 3
[[decisions]]
name = "ferries"
path = "services.ferry.fleet"
low = 2
high = 6
existing = 3
cost_per_unit_usd = 24e6
at = 2024-01-15
source = "assumption: a test"
[[decisions]]
name = "west berths"
path = "nodes.west.port.berths"
options = [1, 2, 3]
option_costs_usd = [0, 0, 30e6]
source = "assumption: a test"
[[constraints]]
name = "west port time"
output = "port_dwell_hours_mean:west@2024"
max = 150
"""


def test_the_command_on_a_tiny_scenario_with_figures_and_report(tmp_path, capsys):
    """``corridor optimize`` in-process: a dated decision (the ferry fleet from 15 January)
    and an options decision; then ``corridor plot`` and ``corridor report``."""
    p = spec(tmp_path, SEA)
    out = tmp_path / "o"
    assert main(["optimize", str(p), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    t = table(out)
    search = t[t.stage == "search"]
    assert len(search) == 6 and (search.status == "ok").all()
    # more ferries (from 15 January), less time at the west port: the decision reaches
    # the run through the appended timeline change
    by = search.groupby("ferries")["mean:port_dwell_hours_mean:west@2024"].mean()
    assert by.index.min() < by.index.max() and by[by.index.max()] < by[by.index.min()]
    best = json.loads((out / "best.json").read_text())
    if best["best"] is not None:
        assert best["best"]["outputs"]["port_dwell_hours_mean:west@2024"]["mean"] <= 150
    assert main(["plot", str(out)]) == 0
    figs = sorted(f.name for f in (out / "figures").iterdir())
    assert figs == ["constraint_1.png", "objective_by_evaluation.png"]
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "Optimisation: spec (minimise)" in page and "Evaluations" in page
    # the same command again: a finished folder, nothing run
    assert main(["optimize", str(p), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "0 runs this time" in capsys.readouterr().out


def test_a_kpi_maximised_under_a_cost_cap(tmp_path):
    """objective = a KPI with sense 'max', cost capped by max_cost_usd: the known optimum
    (brute force over the toy's grid, noise aside)."""
    best = max((10 * s + 12 * b, (s, b)) for s in range(9) for b in range(9)
               if 30 - 2 * s - 3 * b <= 10.5 and 4 * s + 5 * b <= 36)
    assert best == (88, (4, 4))
    p = spec(tmp_path, TOY.format(budget=40, seed=1, extra='objective = "throughput"\n'
                                  'sense = "max"\nmax_cost_usd = 36'))
    s = run_optimization(load_optimization(p), tmp_path / "o", workers=1)
    assert s.best["decisions"] == {"ships": 4, "berths": 4}
    assert s.best["objective"]["mean"] == 88 and s.best["cost_usd"] <= 36
    t = table(tmp_path / "o")
    # no candidate over the cap is ever run (binding() relies on it: the cap keeps no
    # better candidate out, so a constraint failed alone is failed with the cap met)
    assert len(t) > 20 and (t.cost_usd <= 36).all()


@pytest.mark.slow
def test_kill_9_of_the_optimisation_then_resume(tmp_path):
    """``kill -9`` of the command and its workers midway; the same command resumes: no
    run lost or repeated, the table of an uninterrupted run."""
    text = TOY.format(budget=20, seed=4, extra="").replace(
        "sim.study.sweeps.testfunctions:build_to_target", "tests.testfunctions:slow_build")
    p = spec(tmp_path, text)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "optimize", str(p), "--out", str(out),
           "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=HERE.parent)
    db = out / "evaluations.sqlite"
    committed = rows_written(db, 12)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert 12 <= committed < 20 * 2 + 3 * 3
    s = run_optimization(load_optimization(p), out, workers=2)
    assert s.complete and s.resumed_runs >= 12
    run_optimization(load_optimization(p), tmp_path / "ref", workers=1)
    pd.testing.assert_frame_equal(table(out), table(tmp_path / "ref"))
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 20 * 2 + 3 * 3


def test_a_constraint_binds_when_a_cheaper_candidate_fails_it_once_confirmed(tmp_path):
    # caspian_2030 (2026-12-05): three cheaper candidates met the Caspian TEU on their two
    # search runs and failed it on their four confirmation runs; the report said the
    # constraint kept none of them out ("0 of 3 better candidates fail it")
    opt = load_optimization(spec(tmp_path, TOY.format(budget=8, seed=1, extra="")))

    def ev(candidate, stage, cost, slack):
        return Evaluation(candidate=candidate, round=0, stage=stage, choice=[0, 0],
                          cost_usd=cost, replications=2 if stage == "search" else 5,
                          status="ok", values=[[10.5 - slack] * 2], means=[10.5 - slack],
                          ci=[(9.0, 11.0)],
                          objective=cost, slacks=[slack], feasible=slack >= 0)
    cheap_search, cheap_confirmed = ev(1, "search", 5.0, 0.2), ev(1, "confirm", 5.0, -0.3)
    best = ev(2, "confirm", 10.0, 0.5)
    search = [cheap_search, ev(2, "search", 10.0, 0.6)]
    judged = latest(search, [cheap_confirmed, best])
    assert sorted((e.candidate, e.stage) for e in judged) == [(1, "confirm"), (2, "confirm")]
    (c,) = binding(opt, best, judged)
    assert c["binds"] and (c["better_candidates"], c["better_failing"]) == (1, 1)
    (c,) = binding(opt, best, search)  # judged by the search runs alone, it would not
    assert not c["binds"]
    (tmp_path / "w").mkdir()
    result = write_results(opt, tmp_path / "w", search, [cheap_confirmed, best],
                           {"complete": True}, None)
    (c,) = result["best"]["constraints"]
    assert result["best"]["candidate"] == 2 and c["binds"]


def test_a_constraint_failed_only_together_with_another_binds_jointly(tmp_path):
    # caspian_2030 (2026-12-05): the twelve bundles without the terminal failed both the
    # Caspian TEU and the refused boxes; best.md said both targets bind, though relaxing
    # the refused boxes' target alone would let none of them in
    two = TOY + "[[constraints]]\noutput = \"throughput\"\nmin = 80\n"
    opt = load_optimization(spec(tmp_path, two.format(budget=8, seed=1, extra="")))

    def ev(candidate, cost, slacks):
        return Evaluation(candidate=candidate, round=0, stage="search", choice=[0, 0],
                          cost_usd=cost, replications=2, status="ok",
                          values=[[1.0] * 2, [1.0] * 2], means=[1.0, 1.0],
                          ci=[(0.0, 2.0), (0.0, 2.0)], objective=cost, slacks=slacks,
                          feasible=min(slacks) >= 0)
    best = ev(3, 10.0, [0.5, 0.5])
    both, wait_only = ev(1, 5.0, [-0.3, -1.0]), ev(2, 6.0, [-0.2, 0.1])
    wait, through = binding(opt, best, [both, wait_only, best])
    assert (wait["binds"], wait["better_failing"], wait["better_failing_alone"]) == (True, 2, 1)
    assert (through["binds"], through["binds_jointly"], through["better_failing"],
            through["better_failing_alone"]) == (False, True, 1, 0)
    wait, through = binding(opt, best, [both, best])
    assert wait["binds_jointly"] and not wait["binds"] and through["binds_jointly"]
    (tmp_path / "w").mkdir()
    write_results(opt, tmp_path / "w", [both, wait_only, best], [], {"complete": True}, None)
    md = (tmp_path / "w" / "best.md").read_text(encoding="utf-8")
    assert "| yes (2 of 2 better candidates fail it, 1 of them it alone) |" in md
    assert ("| only with another (1 of 2 better candidates fail it, each also failing "
            "another constraint) |") in md


def test_with_no_feasible_bundle_the_closest_is_named_with_its_shortfall(tmp_path):
    # an analyst's target out of reach: best.md said only "no candidate met every
    # constraint on the mean", not which bundle came nearest or by how much it fell short
    text = TOY.format(budget=8, seed=1, extra="").replace(
        "max = 10.5", "max = 10.5\n[[constraints]]\noutput = \"throughput\"\nmin = 170")
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1)
    result = json.loads((tmp_path / "o" / "best.json").read_text(encoding="utf-8"))
    t = table(tmp_path / "o")
    t = t[t.stage == "search"]
    assert s.best is None and not t.feasible.any() and result["best"] is None
    short = ((t["mean:wait"] - 10.5).clip(lower=0) / 10.5
             + (170 - t["mean:throughput"]).clip(lower=0) / 170)
    near = result["closest"]
    assert near["candidate"] == t.candidate[short.idxmin()]
    wait, through = near["constraints"]
    row = t[t.candidate == near["candidate"]].iloc[0]
    assert through["short_by"] == pytest.approx(170 - row["mean:throughput"])
    assert through["nearest_mean"] == t["mean:throughput"].max()
    assert wait["nearest_mean"] == t["mean:wait"].min()
    e = Evaluation(candidate=9, round=0, stage="search", choice=[0, 0], cost_usd=1.0,
                   replications=2, status="ok", slacks=[-1.05, -17.0])
    opt = load_optimization(tmp_path / "spec.toml")
    assert shortfall(opt, e) == pytest.approx(0.1 + 0.1)  # each relative to its limit
    md = (tmp_path / "o" / "best.md").read_text(encoding="utf-8")
    assert f"Closest: candidate {near['candidate']} (ships = " in md
    assert f"| throughput | ≥ 170 | {row['mean:throughput']:.3g} [" in md


def test_cost_order_finds_the_cheapest_feasible_bundle_and_runs_every_cheaper_one(tmp_path):
    """sampler 'cost_order': candidates cheapest first, a batch at a time, stopping at the
    first batch holding one that meets the constraint; the toy's optimum (34) is found
    with every cheaper candidate run (and infeasible), far short of the 81 candidates."""
    cost, (ships, berths) = brute_force_optimum()
    text = TOY.format(budget=81, seed=1, extra='sampler = "cost_order"')
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1)
    assert s.complete and s.best["decisions"] == {"ships": ships, "berths": berths}
    t = table(tmp_path / "o")
    search = t[t.stage == "search"]
    cheaper = {(a, b) for a in range(9) for b in range(9) if 4 * a + 5 * b < cost}
    assert cheaper <= set(zip(search.ships, search.berths))          # all of them ran ...
    assert not search[search.cost_usd < cost].feasible.any()         # ... and fell short
    # one batch of 4 at most beyond them, run in order of cost (ties by the grid)
    assert len(cheaper) < s.evaluated <= len(cheaper) + 4 < 81
    assert list(search.sort_values("candidate").cost_usd) == sorted(search.cost_usd)
    md = (tmp_path / "o" / "best.md").read_text()
    assert (f"Searched in order of cost, cheapest first: the {len(cheaper)} candidates "
            "cheaper than the best were all run, and each fell short of a constraint on its "
            "mean (over its confirmation runs where it has them).") in md
    # the report's tables say the same
    tables = dict(optimize_tables(open_folder(tmp_path / "o", {"optimization"})))
    counts = tables["Searched in order of cost: the bundles cheaper than the best"]["count"]
    assert list(counts) == [len(cheaper), 0, 0, 0]
    # interrupted, the last batch's cheaper candidates may be unfinished: no such claim
    store = OptimizeStore(tmp_path / "o" / "evaluations.sqlite")
    search, confirmed = evaluations(load_optimization(tmp_path / "spec.toml"), store)
    store.close()
    (tmp_path / "w").mkdir()
    result = write_results(load_optimization(tmp_path / "spec.toml"), tmp_path / "w",
                           search, [], {"complete": False}, None)
    assert result["best"] is not None and "cost_order" not in result
    assert "Searched in order of cost" not in (tmp_path / "w" / "best.md").read_text()


def test_cost_order_does_not_certify_past_a_cheaper_candidate_that_failed(tmp_path):
    """A cheaper candidate whose runs failed did not fall short: best.md says so, and
    that the best is then not certified the cheapest."""
    text = TOY.format(budget=81, seed=1, extra='sampler = "cost_order"').replace(
        "sim.study.sweeps.testfunctions:build_to_target", "tests.testfunctions:build_failing_cheap")
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1)
    assert s.best["decisions"] == {"ships": 1, "berths": 6} and s.failed_runs == 2
    md = (tmp_path / "o" / "best.md").read_text()
    assert "each fell short" not in md
    assert ("the 36 candidates cheaper than the best were all run, and 35 fell short of a "
            "constraint on the mean while 1 failed (a run stopped with an error, see the "
            "evaluations), so one of those may yet be a cheaper answer.") in md


def test_a_decision_that_does_nothing_is_run_at_its_first_value_only(tmp_path, capsys):
    """'inactive_when': extra units of a decision that does nothing while another is at a
    value (the toy ignores 'cranes'; declared idle without ships) are never proposed —
    the same bundle with its first value costs less for the same result."""
    extra = 'sampler = "cost_order"'
    text = TOY.format(budget=200, seed=1, extra=extra) + (
        '[[decisions]]\npath = "cranes"\nlow = 0\nhigh = 2\ncost_per_unit_usd = 1\n'
        'source = "assumption: a toy"\ninactive_when = { ships = 0 }\n')
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1)
    t = table(tmp_path / "o")
    assert not ((t.ships == 0) & (t.cranes > 0)).any()
    assert ((t.ships > 0) & (t.cranes > 0)).any()      # where it may act, it is tried
    assert s.best["decisions"] == {"ships": 1, "berths": 6, "cranes": 0}
    skipped = sum(1 for b in range(9) for c in (1, 2) if 5 * b + c < 34)
    assert main(["optimize", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "o"),
                 "--check"]) == 0   # 9 x 2 bundles with no ship but a crane
    assert "243 candidates possible (18 of them never run: a decision in them does " \
        "nothing, its 'inactive_when'), budget 200 x 2" in capsys.readouterr().out
    assert f"; {skipped} cheaper bundles were not run, as a decision in them does nothing" \
        in (tmp_path / "o" / "best.md").read_text()


def test_cost_order_goes_on_past_a_candidate_that_fails_its_confirmation(tmp_path):
    """With noise of sd 1 and seed 17, two replications pass 2 ships and 5 berths (cost 33,
    true wait 11) that five fail; cost order confirms it, sees it fail, and goes on in
    order of cost to 1 ship and 6 berths (34, true wait 10), which holds."""
    text = (TOY.format(budget=81, seed=17, extra='sampler = "cost_order"\nbatch = 1')
            .replace("batch = 4\n", "")
            .replace("testfunctions:build_to_target", "testfunctions:noisy_build_to_target")
            .replace("candidates = 3", "candidates = 1"))
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1)
    assert s.complete and s.best["decisions"] == {"ships": 1, "berths": 6}
    assert s.best["replications"] == 5 and s.best["cost_usd"] == 34
    t = table(tmp_path / "o")
    failed = t[(t.stage == "confirm") & ~t.feasible]
    assert list(zip(failed.ships, failed.berths)) == [(2, 5)]
    search = t[t.stage == "search"]
    assert search[(search.ships == 2) & (search.berths == 5)].feasible.all()  # passed first
    cheaper = {(a, b) for a in range(9) for b in range(9) if 4 * a + 5 * b < 34}
    assert cheaper <= set(zip(search.ships, search.berths))
    assert "candidates cheaper than the best were all run, and each fell short" in (
        tmp_path / "o" / "best.md").read_text()


def test_the_progress_bar_counts_every_confirmation_wave(tmp_path, monkeypatch):
    """The bar's total planned one confirmation wave; cost order confirms until one holds
    (here two waves: 37 candidates x 2 runs + 2 x 3), and the bar grew to the 80 runs
    made instead of stopping at 77 of 77 with 3 runs still to come."""
    bars = []

    class Bar(runner.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "disable": False, "file": io.StringIO()})
            bars.append(self)

    monkeypatch.setattr(runner, "tqdm", Bar)
    text = (TOY.format(budget=37, seed=17, extra='sampler = "cost_order"\nbatch = 1')
            .replace("batch = 4\n", "")
            .replace("testfunctions:build_to_target", "testfunctions:noisy_build_to_target")
            .replace("candidates = 3", "candidates = 1"))
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1,
                         progress=True)
    assert s.complete and s.best["cost_usd"] == 34 and s.ran == 80
    (bar,) = bars
    assert (bar.n, bar.total) == (80, 80)


def test_a_cluster_out_of_reach_exits_2_and_leaves_no_folder(tmp_path, capsys, monkeypatch):
    """Exit 2 with one line on a scheduler that cannot be reached (not a traceback), and
    the folder made for the optimisation is gone (one that was there before stays)."""
    monkeypatch.setattr(runner, "executor", unreachable)
    p = spec(tmp_path, TOY.format(budget=8, seed=1, extra=""))
    out = tmp_path / "o"
    args = ["optimize", str(p), "--scheduler", "tcp://127.0.0.1:1", "--quiet", "--out"]
    assert main([*args, str(out)]) == 2
    assert capsys.readouterr().err == UNREACHABLE
    assert not out.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main([*args, str(kept)]) == 2
    assert (kept / "manifest.json").exists()


def test_an_os_error_not_of_the_cluster_is_not_reported_as_one(tmp_path, monkeypatch):
    """An OSError that does not say the scheduler is out of reach is raised again, not
    reported as a --scheduler that cannot be reached."""
    def disk_full(workers, scheduler, dask_local):
        raise OSError("No space left on device")

    monkeypatch.setattr(runner, "executor", disk_full)
    p = spec(tmp_path, TOY.format(budget=8, seed=1, extra=""))
    with pytest.raises(OSError, match="No space left on device"):
        main(["optimize", str(p), "--scheduler", "tcp://127.0.0.1:1", "--quiet", "--out",
              str(tmp_path / "o")])


def test_the_best_so_far_line_follows_confirmations_and_shows_those_that_fail():
    """A candidate feasible in the search that fails its confirmation is not drawn as the
    best so far (the Caspian study's terminal alone, USD 73.2m, failed with 4
    replications): the line follows the cheapest that holds, and the confirmed markers
    tell holding from failing."""
    rows = [(0, "search", 30e6, False), (1, "search", 10e6, True), (2, "search", 20e6, True),
            (1, "confirm", 10e6, False), (2, "confirm", 20e6, True)]
    evals = pd.DataFrame(rows, columns=["candidate", "stage", "objective", "feasible"])
    evals["cost_usd"] = evals.objective
    evals["objective_ci_low"] = evals.objective - 1e6
    evals["objective_ci_high"] = evals.objective + 1e6
    ax = objective_by_evaluation(evals, {"objective": "cost"})
    step = [ln for ln in ax.get_lines() if ln.get_label().startswith("best feasible")]
    assert len(step) == 1 and set(step[0].get_ydata()) == {20.0}
    labels = ax.get_legend_handles_labels()[1]
    assert "confirmed: holds (95 % CI)" in labels and "confirmed: fails (95 % CI)" in labels


def test_a_constraint_figure_shows_the_confirmed_values_beside_the_search():
    """The analyst's point: the constraint figures showed the 2-replication values only,
    so the terminal alone (met the Caspian TEU with 2 replications, missed it with 4)
    looked as if it met it. The confirmed value is drawn beside the search's, coloured by
    whether it meets this target."""
    rows = [(0, "search", 91.0), (1, "search", 90.5), (1, "confirm", 89.8),
            (2, "search", 92.0), (2, "confirm", 90.4)]
    evals = pd.DataFrame(rows, columns=["candidate", "stage", "mean:teu"])
    evals["ci_low:teu"], evals["ci_high:teu"] = evals["mean:teu"] - 1, evals["mean:teu"] + 1
    ax = constraint_by_evaluation(evals, {"output": "teu", "min": 90_000 / 1000,
                                          "name": "teu"})
    got = {c.get_label(): c.lines[0].get_xydata().tolist() for c in ax.containers}
    assert got["confirmed: missed"] == [[1.25, 89.8]]
    assert got["confirmed: met"] == [[2.25, 90.4]]
    assert got["target met"] == [[0.0, 91.0], [1.0, 90.5], [2.0, 92.0]]


def test_the_report_of_a_one_replication_optimisation_shows_means_without_intervals(
        tmp_path, capsys):
    """One replication and no confirmation: best.json holds null for every interval, and
    the report failed on it ("cannot write the report"); it shows the means alone."""
    text = (TOY.format(budget=4, seed=1, extra="").replace("replications = 2", "replications = 1")
            .replace("candidates = 3", "candidates = 0"))
    s = run_optimization(load_optimization(spec(tmp_path, text)), tmp_path / "o", workers=1)
    assert s.best is not None and s.best["replications"] == 1
    assert main(["report", str(tmp_path / "o")]) == 0, capsys.readouterr().err
    tables = dict(optimize_tables(open_folder(tmp_path / "o", {"optimization"})))
    cell = tables["Constraints of the best bundle"]["mean [95 % CI]"].iloc[0]
    assert cell.endswith(" (no interval)") and "[" not in cell
