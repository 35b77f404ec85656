"""Sensitivity sweeps: designs, executors, resumable results, indices (issue 6)."""
# ruff: noqa: E501 — the specs below are TOML text whose lines the tests edit one by one

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.engine.model import Model
from sim.measure.kpis import KPIS, SECTIONS, compute
from sim.measure.location import scope_words
from sim.scenario.loading import load_scenario, resolved_dict
from sim.scenario.problems import ConfigError
from sim.study.analyze import analyze
from sim.study.sweeps import SweepSpec, load_sweep, run_sweep
from sim.study.sweeps.methods import METHODS
from sim.study.sweeps.schema import MethodName
from tests.conftest import UNREACHABLE, rows_written, unreachable
from tests.golden import GOLDEN, ROOT
from tests.testfunctions import _marker, ishigami_indices

HERE = Path(__file__).parent
TOY = (HERE / "scenarios" / "toy.toml").resolve()
PI = math.pi


def spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def model_spec(tmp_path, model="linear", method="oat", samples=3, replications=2,
               outputs='["y", "y_noise"]', extra="", name="spec.toml", seed=1):
    return spec(tmp_path, f"""
model = "tests.testfunctions:{model}"
method = "{method}"
samples = {samples}
replications = {replications}
seed = {seed}
outputs = {outputs}
{extra}
[[parameters]]
path = "a"
low = 0.0
high = 1.0
[[parameters]]
path = "b"
low = 0.0
high = 2.0
[[parameters]]
path = "c"
low = -1.0
high = 1.0
""", name)


ISHIGAMI = """
model = "sim.study.sweeps.testfunctions:ishigami"
method = "{method}"
samples = {samples}
replications = {reps}
seed = 3
outputs = ["y", "y_iid", "y_noisy"]
""" + "".join(f"""
[[parameters]]
path = "x{i}"
low = {-PI!r}
high = {PI!r}
""" for i in (1, 2, 3))

TOY_SWEEP = f"""
scenario = "{TOY}"
method = "lhs"
samples = 6
replications = 2
seed = 5
outputs = ["transit_containers_china_central_asia", "border_dwell_hours_mean:gate@2024", "utilisation:gate"]
[[parameters]]
path = "demand.flows.west.containers_per_year"
name = "demand"
low = 20000
high = 50000
[[parameters]]
path = "nodes.gate.crossing.cranes"
low = 1
high = 3
[[parameters]]
path = "nodes.gate.crossing.customs_dwell_h.mean"
low = 12
high = 48
"""


def rows(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet").drop(columns="wall_s")


# ------------------------------------------------------------------------------- indices

def test_ishigami_sobol_indices_recovered(tmp_path):
    """The machinery recovers the analytic Sobol indices of the Ishigami function; the
    bootstrap intervals cover them; the noisy output's noise share is small and its
    per-replication ranges are reported."""
    sw = load_sweep(spec(tmp_path, ISHIGAMI.format(method="sobol", samples=1024, reps=2)))
    assert sw.points == 1024 * 5
    s = run_sweep(sw, tmp_path / "out", workers=1)
    assert (s.runs, s.ran, s.failed) == (10240, 10240, 0)
    a = analyze(tmp_path / "out", resamples=200)
    t = a.table[a.table.output == "y"]
    true = ishigami_indices()
    for key in ("S1", "ST"):
        got = t[t["index"] == key].set_index("parameter")
        for k, name in enumerate(("x1", "x2", "x3")):
            r = got.loc[name]
            assert abs(r.value - true[key][k]) < 0.04, (key, name, r.value, true[key][k])
            assert r.ci95_low - 0.02 <= true[key][k] <= r.ci95_high + 0.02
    assert a.facts["outputs"]["y"]["noise_share"] < 1e-12
    # noise shared by every point of a replication (what common random numbers give)
    # cancels between points: it is not counted as noise
    assert a.facts["outputs"]["y_noisy"]["noise_share"] < 1e-12
    noisy = a.facts["outputs"]["y_iid"]
    # noise sd 1 and 2 replications: noise variance of the means 0.5 against var(y) ~ 13.8
    assert noisy["noise_variance_of_means"] == pytest.approx(0.5, rel=0.1)
    assert 0.02 < noisy["noise_share"] < 0.06
    span = a.table[(a.table.output == "y_iid") & (a.table["index"] == "S1")]
    assert (span.rep_high > span.rep_low).all()


def test_morris_and_oat_on_a_linear_model(tmp_path):
    """y = 2a - b: Morris mu* = |coefficient| x range (2 x 1, 1 x 2, 0), sigma 0; OAT swings
    and elasticities exact; the paired interval of a noiseless output has width 0."""
    run_sweep(load_sweep(model_spec(tmp_path, method="morris", samples=10, replications=1,
                                    outputs='["y"]')), tmp_path / "m", workers=1)
    t = analyze(tmp_path / "m", resamples=50).table.set_index(["parameter", "index"])
    assert t.loc[("a", "mu_star"), "value"] == pytest.approx(2.0)
    assert t.loc[("b", "mu_star"), "value"] == pytest.approx(2.0)
    assert t.loc[("b", "mu"), "value"] == pytest.approx(-2.0)
    assert t.loc[("c", "mu_star"), "value"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc[("a", "sigma"), "value"] == pytest.approx(0.0, abs=1e-9)

    sw = load_sweep(model_spec(tmp_path, method="oat", samples=3, name="oat.toml"))
    # base point (midpoints) + 3 levels x 3 parameters, less the 3 levels equal to the base
    assert sw.points == 1 + 3 * 2
    run_sweep(sw, tmp_path / "o", workers=1)
    t = analyze(tmp_path / "o").table
    y = t[t.output == "y"].set_index(["parameter", "index"])
    # base a=0.5, b=1, c=0: y0 = 0; swing a: 2 x 1; b: -2; c: 0
    assert y.loc[("a", "swing"), "value"] == pytest.approx(2.0)
    assert y.loc[("b", "swing"), "value"] == pytest.approx(-2.0)
    assert y.loc[("c", "swing"), "value"] == pytest.approx(0.0)
    assert y.loc[("a", "y_low"), "value"] == pytest.approx(-1.0)
    assert y.loc[("a", "swing"), "ci95_high"] == pytest.approx(2.0)
    noisy = t[t.output == "y_noise"].set_index(["parameter", "index"])
    assert noisy.loc[("a", "swing"), "ci95_high"] > noisy.loc[("a", "swing"), "ci95_low"]


def test_morris_mu_star_interval_stays_at_or_above_zero(tmp_path):
    """mu* is a mean of absolute effects, so it and its interval are never below zero:
    a factor with a few large effects among zeros (a step) has a wide bootstrap spread
    whose symmetric interval reached below zero (-1.9 here) before it was cut there."""
    run_sweep(load_sweep(spec(tmp_path, """
model = "tests.testfunctions:step"
method = "morris"
samples = 6
replications = 1
seed = 2
outputs = ["y"]
[[parameters]]
path = "a"
low = 0.0
high = 1.0
[[parameters]]
path = "b"
low = 0.0
high = 1.0
""")), tmp_path / "m", workers=1)
    t = analyze(tmp_path / "m", resamples=200).table.set_index(["parameter", "index"])
    a = t.loc[("a", "mu_star")]
    assert a.value == pytest.approx(2.5)           # one trajectory of six crosses 0.8
    assert a.ci95_low == 0.0 and a.ci95_high > a.value + 2.0


def test_grid_is_exact_and_lhs_correlations_have_the_right_signs(tmp_path):
    sw = load_sweep(model_spec(tmp_path, method="grid", samples=3))
    assert sw.points == 27
    assert sorted(set(sw.values[:, 1])) == [0.0, 1.0, 2.0]
    sw = load_sweep(model_spec(tmp_path, method="lhs", samples=60, replications=1,
                               name="lhs.toml"))
    run_sweep(sw, tmp_path / "l", workers=1)
    t = analyze(tmp_path / "l").table
    y = t[t.output == "y"].set_index(["parameter", "index"])
    assert y.loc[("a", "spearman"), "value"] > 0.5
    assert y.loc[("b", "spearman"), "value"] < -0.5
    assert y.loc[("(linear model)", "r2"), "value"] == pytest.approx(1.0)
    assert y.loc[("c", "src"), "value"] == pytest.approx(0.0, abs=1e-9)


def test_parameter_distributions_and_integer_fields(tmp_path):
    sw = load_sweep(spec(tmp_path, f"""
scenario = "{TOY}"
method = "lhs"
samples = 200
outputs = ["utilisation:gate"]
[[parameters]]
path = "nodes.gate.crossing.cranes"
low = 1
high = 4
[[parameters]]
path = "nodes.gate.crossing.customs_dwell_h.mean"
distribution = "triangular"
low = 12
mode = 18
high = 48
[[parameters]]
path = "nodes.gate.crossing.handling_cv"
distribution = "normal"
mean = 0.3
sd = 0.05
low = 0.2
high = 0.35
"""))
    cranes, dwell, cv = sw.values.T
    assert set(cranes) <= {1.0, 2.0, 3.0, 4.0} and sw.spec.parameters[0].integer
    assert 12 <= dwell.min() and dwell.max() <= 48
    assert abs(np.mean(dwell) - (12 + 18 + 48) / 3) < 1.0       # triangular mean
    assert 0.2 <= cv.min() and cv.max() <= 0.35 and abs(np.median(cv) - 0.3) < 0.01


# ------------------------------------------------------------------------------- executors

def test_scenario_sweep_same_rows_inline_and_on_two_workers(tmp_path):
    """A run is a pure function of (spec, point, replication): 1 or 2 workers, same rows.
    Integer fields (cranes) are whole numbers in the rows; outputs are KPIs of the runs."""
    p = spec(tmp_path, TOY_SWEEP)
    a = run_sweep(load_sweep(p), tmp_path / "one", workers=1)
    b = run_sweep(load_sweep(p), tmp_path / "two", workers=2)
    assert a.runs == b.runs == 12 and a.failed == b.failed == 0
    ra, rb = rows(tmp_path / "one"), rows(tmp_path / "two")
    pd.testing.assert_frame_equal(ra, rb)
    assert ra["nodes.gate.crossing.cranes"].dtype == np.int64
    assert (ra.status == "ok").all() and ra["utilisation:gate"].between(0, 1).all()
    # more demand, more boxes: the output follows its parameter
    rho = ra[["demand", "transit_containers_china_central_asia"]].corr("spearman").iloc[0, 1]
    assert rho > 0.9
    # and replication 0 of a point is the scenario run with those values
    r0 = ra.iloc[3]
    sc = load_scenario(TOY, overrides={
        "demand.flows.west.containers_per_year": float(r0["demand"]),
        "nodes.gate.crossing.cranes": int(r0["nodes.gate.crossing.cranes"]),
        "nodes.gate.crossing.customs_dwell_h.mean":
            float(r0["nodes.gate.crossing.customs_dwell_h.mean"])})
    K = compute(Model(sc, 5, int(r0.replication)).run())
    assert K[("border_dwell_hours_mean", "2024", "gate")] == r0[
        "border_dwell_hours_mean:gate@2024"]


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_rows(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    import sim.study.sweeps.runner as runner
    p = spec(tmp_path, TOY_SWEEP)
    run_sweep(load_sweep(p), tmp_path / "local", workers=1)

    here: list = []  # a cluster's workers validate the points, in parallel, not this process
    monkeypatch.setattr(runner, "run_scenario", lambda *a: here.append(a))
    s = run_sweep(load_sweep(p), tmp_path / "dask", dask_local=2)
    assert s.ran == 12 and here == []
    pd.testing.assert_frame_equal(rows(tmp_path / "local"), rows(tmp_path / "dask"))
    # an existing cluster (started here on loopback, as a user's would be): same rows
    import logging

    from distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        s = run_sweep(load_sweep(p), tmp_path / "existing", scheduler=cluster.scheduler_address)
    assert s.ran == 12
    pd.testing.assert_frame_equal(rows(tmp_path / "local"), rows(tmp_path / "existing"))


@pytest.mark.slow
def test_a_killed_worker_loses_nothing(tmp_path, capsys):
    """A worker process dies (SIGKILL) mid-sweep: the pool is restarted, the runs in
    flight are run again, every row is there once, equal to an undisturbed sweep."""
    seed = 1000 + os.getpid() % 10_000
    _marker(seed).unlink(missing_ok=True)
    try:
        p = model_spec(tmp_path, model="crash_once", method="lhs", samples=40, seed=seed)
        s = run_sweep(load_sweep(p), tmp_path / "crash", workers=2)
        assert _marker(seed).exists()  # the crash happened
    finally:
        _marker(seed).unlink(missing_ok=True)
    assert "run(s) lost outside the model (BrokenProcessPool" in capsys.readouterr().err
    assert s.failed == 0 and s.ran == 80
    ref = model_spec(tmp_path, model="linear", method="lhs", samples=40, seed=seed,
                     name="ref.toml")
    run_sweep(load_sweep(ref), tmp_path / "ref", workers=1)
    pd.testing.assert_frame_equal(rows(tmp_path / "crash"), rows(tmp_path / "ref"))


@pytest.mark.slow
def test_a_run_that_always_kills_its_worker_is_recorded_as_failed(tmp_path, capsys):
    """Tried on its own three times, then recorded with the reason; the runs that shared
    its batches are not charged and come out as in an undisturbed sweep."""
    p = model_spec(tmp_path, model="crash_always", method="lhs", samples=24, replications=1)
    s = run_sweep(load_sweep(p), tmp_path / "c", workers=2)
    r = rows(tmp_path / "c")
    bad = r[r.status == "failed"]
    assert len(bad) == (r.a > 0.9).sum() >= 1 and s.failed == len(bad)
    assert bad.error.str.match(r"lost 3 times outside the model \(the worker process "
                               r"died\?\); last: BrokenProcessPool").all()
    ref = model_spec(tmp_path, model="linear", method="lhs", samples=24, replications=1,
                     name="ref.toml")
    run_sweep(load_sweep(ref), tmp_path / "r", workers=1)
    good = rows(tmp_path / "r")
    pd.testing.assert_frame_equal(r[r.status == "ok"].reset_index(drop=True),
                                  good[good.a <= 0.9].reset_index(drop=True))


@pytest.mark.slow
def test_kill_9_of_the_sweep_then_resume(tmp_path):
    """``kill -9`` of the sweep process at a random moment; the same command resumes:
    no run lost, none run twice, no duplicate rows, the rows of an uninterrupted sweep."""
    p = model_spec(tmp_path, model="slow", method="lhs", samples=30, replications=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(p), "--out", str(out),
           "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = out / "runs.sqlite"
    committed = rows_written(db, 10)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, as a crash would
    proc.wait(timeout=30)
    assert 10 <= committed < 60
    with sqlite3.connect(db) as c:
        before = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert before < 60
    s = run_sweep(load_sweep(p), out, workers=2)
    assert s.resumed == before and s.ran == 60 - before and s.failed == 0
    run_sweep(load_sweep(p), tmp_path / "ref", workers=1)
    got = rows(out)
    assert not got.duplicated(["point", "replication"]).any()
    pd.testing.assert_frame_equal(got, rows(tmp_path / "ref"))
    again = run_sweep(load_sweep(p), out, workers=2)      # nothing left to do
    assert again.ran == 0 and again.resumed == 60


def test_a_points_scenario_is_validated_once_in_the_sweeps_process(tmp_path, monkeypatch):
    """Each point's scenario is validated by the sweep's process, once, and goes out with
    its runs: the worker does not validate it again. A point the sweep's process could not
    validate is validated by its runs themselves, as before: the same rows either way."""
    import sim.study.sweeps.runner as runner
    import sim.study.sweeps.worker as worker
    p = spec(tmp_path, TOY_SWEEP)
    real, seen = runner.run_scenario, []

    def counted(loaded, inputs, *rest):
        seen.append(tuple(sorted(inputs.items())))
        return real(loaded, inputs, *rest)

    def not_again(*_a):
        raise AssertionError("validated again in the worker")

    worker._SCENARIOS.clear()  # (what an earlier sweep in this process left)
    monkeypatch.setattr(runner, "run_scenario", counted)
    monkeypatch.setattr(worker, "run_scenario", not_again)
    a = run_sweep(load_sweep(p), tmp_path / "here", workers=1)
    assert a.ran == 12 and a.failed == 0 and len(seen) == len(set(seen)) == 6

    def cannot(*_a):
        raise RuntimeError("not here")

    worker._SCENARIOS.clear()
    monkeypatch.setattr(runner, "run_scenario", cannot)
    monkeypatch.setattr(worker, "run_scenario", real)
    b = run_sweep(load_sweep(p), tmp_path / "there", workers=1)
    assert b.ran == 12 and b.failed == 0
    pd.testing.assert_frame_equal(rows(tmp_path / "here"), rows(tmp_path / "there"))


def test_a_worker_imports_neither_pandas_nor_the_folder_code():
    """A worker process (forked from a server that imported sim.study.replications)
    imports the sweep's worker module alone: not the folder's pandas and Parquet, the
    progress bar or the design methods (0.6 s and ~100 MB a worker, measured)."""
    code = ("import sys, sim.study.replications; before = set(sys.modules); "
            "import sim.study.sweeps.worker; "
            "print(sorted(m for m in set(sys.modules) - before if not m.startswith('sim.')), "
            "'pandas' in sys.modules)")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert got == "[] False"


def test_failing_runs_are_recorded_and_retried(tmp_path, capsys):
    p = model_spec(tmp_path, model="failing", method="lhs", samples=20, replications=1)
    code = main(["sweep", str(p), "--out", str(tmp_path / "f"), "--workers", "1", "--quiet"])
    assert code == 0
    err = capsys.readouterr().err
    r = pd.read_parquet(tmp_path / "f" / "runs.parquet")
    bad = r[r.status == "failed"]
    assert len(bad) == (r.a > 0.75).sum() > 0
    assert bad.error.str.match(r"RuntimeError: no convergence at a=0\.\d{3}$").all()
    assert bad.y.isna().all()
    assert f"{len(bad)} run(s) failed" in err
    # lhs analysis drops the failed points and says so; sobol would refuse
    a = analyze(tmp_path / "f")
    assert a.facts["outputs"]["y"]["points_used"] == 20 - len(bad)
    s = run_sweep(load_sweep(p), tmp_path / "f", workers=1, retry_failed=True)
    assert s.ran == len(bad) and s.failed == len(bad)  # they fail again, deterministically


# ------------------------------------------------------------------------------- folders

def test_changed_spec_is_refused_unless_restart(tmp_path):
    p = model_spec(tmp_path, method="lhs", samples=5)
    run_sweep(load_sweep(p), tmp_path / "o", workers=1)
    p2 = model_spec(tmp_path, method="lhs", samples=6, replications=3, name="other.toml")
    with pytest.raises(ConfigError, match=r"o: --out: holds a sweep of other inputs "
                       r"\(changed: replications, samples\); rerun with --restart to discard "
                       r"it, or choose another --out\Z"):
        run_sweep(load_sweep(p2), tmp_path / "o", workers=1)
    s = run_sweep(load_sweep(p2), tmp_path / "o", workers=1, restart=True)
    assert s.resumed == 0 and s.ran == 18
    # the same scenario named by another path is the same sweep: resumed, nothing to run
    toy = spec(tmp_path, TOY_SWEEP, "abs.toml")
    run_sweep(load_sweep(toy), tmp_path / "t", workers=1)
    (tmp_path / "sub").mkdir()
    rel = spec(tmp_path / "sub", TOY_SWEEP.replace(str(TOY), os.path.relpath(
        TOY, tmp_path / "sub")), "rel.toml")
    assert run_sweep(load_sweep(rel), tmp_path / "t", workers=1).ran == 0
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("x")
    with pytest.raises(ConfigError, match=r"junk: --out: holds files but is not a sweep "
                       r"folder \(no sweep.json\)"):
        run_sweep(load_sweep(p), tmp_path / "junk", workers=1)


def test_analyze_refuses_bad_folders(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere: no such folder \(give a folder "
                       r"written by 'corridor sweep'\)\Z"):
        analyze(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"empty: sweep.json: not a sweep folder"):
        analyze(tmp_path / "empty")
    p = model_spec(tmp_path, method="sobol", samples=8, replications=1, model="failing")
    run_sweep(load_sweep(p), tmp_path / "s", workers=1)
    with pytest.raises(ConfigError, match=r"s: y: \d+ design point\(s\) have no value \(e\.g\. "
                       r"point \d+: RuntimeError: no convergence at a=0\.\d+\); sobol needs "
                       r"every point: rerun .*--retry-failed"):
        analyze(tmp_path / "s")
    # an incomplete sweep: rows removed as if killed before the end
    p = model_spec(tmp_path, method="lhs", samples=5, name="l.toml")
    run_sweep(load_sweep(p), tmp_path / "i", workers=1)
    r = pd.read_parquet(tmp_path / "i" / "runs.parquet")
    r.iloc[:4].to_parquet(tmp_path / "i" / "runs.parquet")
    with pytest.raises(ConfigError, match=r"runs.parquet: the sweep is incomplete \(4 of 10 "
                       r"runs\); run the same 'corridor sweep' command again"):
        analyze(tmp_path / "i")
    (tmp_path / "i" / "runs.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(ConfigError, match=r"runs.parquet: unreadable \(\w+\); rerun"):
        analyze(tmp_path / "i")
    man = json.loads((tmp_path / "i" / "sweep.json").read_text())
    man["sweep_format"] = 99
    (tmp_path / "i" / "sweep.json").write_text(json.dumps(man))
    with pytest.raises(ConfigError, match=r"sweep.json: sweep_format: 99 is not a format "
                       r"this version reads \(1\)"):
        analyze(tmp_path / "i")


# ------------------------------------------------------------------------------- bad specs

BAD_SPECS = [
    ('method = "fast"', "method", r"method: 'fast' is not allowed"),
    ('samples = 100\nmethod = "sobol"', "samples",
     r"samples: sobol needs a power of 2 \(got 100; did you mean 64 or 128\?\)"),
    ('model = "tests.testfunctions:linear"', "model",
     r"<root>|: give either 'scenario' \(a scenario file\) or 'model'"),
    ('outputs = ["transit_containers"]', "outputs",
     r"outputs\[0\]: unknown KPI 'transit_containers' \(did you mean "
     r"'transit_containers_china_central_asia'\?\)"),
    ('outputs = ["utilisation:gate@2031"]', "outputs",
     r"outputs\[0\]: 2031 is outside the horizon \(allowed: 2024, run\)"),
    ('outputs = ["utilisation gate"]', "outputs",
     r"outputs\[0\]: 'utilisation gate' is not 'name', 'name:scope'"),
    # a misspelt scope is refused before any run (a new user's sweep ran whole and its
    # analysis refused it after)
    ('outputs = ["utilisation:gaet"]', "outputs",
     r"outputs\[0\]: scope 'gaet' names nothing in the scenario \(did you mean 'gate'\?\)"),
    ('replications = 0', "replications", r"replications: must be >= 1 \(got 0\)"),
    ('levels = 3\nmethod = "morris"', "levels", r"levels: morris needs an even number of levels"),
    ('horizon = "2024-02-01:2024-01-01"', "horizon",
     r"horizon: END \(2024-01-01\) must be after START \(2024-02-01\)$"),
    ('horizon = "2024-01-01:2024-02-01"\nset = { "horizon.start" = 2024-01-10 }', "horizon",
     r"horizon: 'set' fixes 'horizon.start' as well; give the span in 'horizon' alone$"),
    ('horizon = "2024-01-01:2024-02-01"\noutputs = ["utilisation:gate@2025"]', "horizon",
     r"outputs\[0\]: 2025 is outside the horizon \(allowed: 2024, run\)$"),
]


def _toy_spec_with(line: str) -> str:
    keys = {ln.split("=")[0].strip() for ln in line.splitlines()}
    base = [ln for ln in TOY_SWEEP.strip().splitlines()
            if not (ln.split("=")[0].strip() in keys and not ln.startswith("["))]
    head = base.index("[[parameters]]")
    return "\n".join([*base[:head], line, *base[head:]]) + "\n"


@pytest.mark.parametrize("line,field,msg", BAD_SPECS, ids=[b[1] + str(i) for i, b in
                                                             enumerate(BAD_SPECS)])
def test_bad_spec_one_line_each(tmp_path, capsys, line, field, msg):
    p = spec(tmp_path, _toy_spec_with(line))
    code = main(["sweep", str(p), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"error: {p}: ")
    assert re.search(msg, err[0]), err[0]
    assert not (tmp_path / "o").exists()  # nothing written


def test_bad_parameters(tmp_path):
    def check(params: str, msg: str):
        text = TOY_SWEEP.split("[[parameters]]")[0] + params
        with pytest.raises(ConfigError, match=msg):
            load_sweep(spec(tmp_path, text))

    check('[[parameters]]\npath = "nodes.gate.crossing.crane"\nlow = 1\nhigh = 2\n',
          r"parameters\[0\]\.path: 'nodes.gate.crossing.crane': no 'crane' in "
          r"nodes.gate.crossing \(did you mean 'cranes'\?\)")
    check('[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 3\nhigh = 5\n',
          r"parameters\[0\]: the scenario's value 2 lies outside \[3, 5\] \(widen the range "
          r"or give 'base'\)")
    check('[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 0\nhigh = 3\n',
          r"parameters\[0\]\.low: the scenario is invalid at 0: nodes.gate.crossing.cranes: ")
    check('[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 2\nhigh = 1\n',
          r"parameters\[0\]: low \(2\) must be below high \(1\)")
    check('[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 1\nhigh = 3\n'
          'distribution = "triangular"\n',
          r"'mode' belongs to a triangular distribution, which needs it")
    check('[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 1\nhigh = 3\n'
          'group = "g"\n', r"parameters\[0\]\.group: groups are for sobol and morris, not lhs")
    check('[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 1\nhigh = 3\n'
          '[[parameters]]\npath = "nodes.gate.crossing.receiving_tracks"\nname = '
          '"nodes.gate.crossing.cranes"\nlow = 1\nhigh = 5\n',
          r"parameters\[1\]\.name: 'nodes.gate.crossing.cranes' names two parameters")
    check('[[parameters]]\npath = "horizon"\nlow = 1\nhigh = 3\n',
          r"parameters\[0\]\.path: 'horizon' is not a number in the scenario")


def test_bad_model_and_scenario_references(tmp_path):
    with pytest.raises(ConfigError, match=r"model: cannot import 'sim.nothing:f' "
                       r"\(ModuleNotFoundError"):
        load_sweep(spec(tmp_path, model_spec(tmp_path).read_text().replace(
            "tests.testfunctions:linear", "sim.nothing:f")))
    text = TOY_SWEEP.replace(str(TOY), "missing.toml")
    with pytest.raises(ConfigError, match=r"scenario: 'missing.toml' not found next to this "
                       r"file"):
        load_sweep(spec(tmp_path, text))
    with pytest.raises(ConfigError, match=r"spec.toml: file is empty"):
        load_sweep(spec(tmp_path, ""))
    with pytest.raises(ConfigError, match=r"spec.toml: 'set' fixes scenario fields; a model "
                       r"function has none$"):
        load_sweep(model_spec(tmp_path, extra='set = { "a" = 1 }'))


def test_a_cluster_out_of_reach_leaves_no_folder(tmp_path, capsys, monkeypatch):
    """Exit 2 on a scheduler that cannot be reached, and the folder made for the sweep is
    gone (a folder that was there before keeps its sweep, to resume)."""
    import sim.study.sweeps.runner as runner

    monkeypatch.setattr(runner, "executor", unreachable)
    p = model_spec(tmp_path, method="oat", samples=2)
    out = tmp_path / "new" / "o"
    assert main(["sweep", str(p), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err == UNREACHABLE
    assert not out.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main(["sweep", str(p), "--out", str(kept), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert (kept / "sweep.json").exists()


def test_cli_flags_and_analyze_in_process(tmp_path, capsys):
    p = model_spec(tmp_path, method="oat", samples=2)
    assert main(["sweep", str(p), "--out", str(tmp_path / "o"), "--dask-local", "2",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "error: <command line>: --scheduler: give --scheduler or --dask-local, not both" \
        in capsys.readouterr().err
    assert main(["sweep", str(p), "--out", str(tmp_path / "o"), "--scheduler", "10.0.0.1"]) == 2
    assert "--scheduler: '10.0.0.1' is not a scheduler address" in capsys.readouterr().err
    assert main(["sweep", str(p), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert "--workers: must be >= 1 (got 0)" in capsys.readouterr().err
    assert main(["sweep", str(p), "--out", str(tmp_path / "o"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "sweep oat: 7 design points x 2 replication(s) = 14 runs; 0 already done, 14 run " \
        "now" in out
    assert main(["analyze", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "y (oat; replication noise 0.0% of the variance of the point means)" in out
    assert "wrote " + str(tmp_path / "o" / "indices.csv") in out
    t = pd.read_csv(tmp_path / "o" / "indices.csv")
    assert set(t["index"]) == {"y_base", "y_low", "y_high", "swing", "elasticity", "noise_share"}
    assert main(["analyze", str(tmp_path / "o"), "--resamples", "3"]) == 2
    assert "--resamples: must be >= 10 (got 3)" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "nothing")]) == 2


@pytest.mark.parametrize("path", sorted((HERE.parent / "scenarios" / "sweeps").glob("*.toml")),
                         ids=lambda p: p.name)
def test_shipped_sweep_specs_load_and_cite_their_ranges(path):
    sw = load_sweep(path)
    assert sw.runs >= 1 and sw.outputs
    text = path.read_text(encoding="utf-8")
    for prm in sw.spec.parameters:
        block = text.split(f'path = "{prm.paths[0]}"')[1].split("[[parameters]]")[0]
        assert "#" in block, f"{prm.label}: say where the range comes from"


@pytest.mark.parametrize("name", ["toy_sea.toml", "toy_two_routes.toml", "toy_two_borders.toml"])
def test_kpis_asked_by_name_equal_the_full_computation(name):
    """compute(out, names) skips the parts that yield none of the names: every KPI asked
    for alone has exactly the values of the full computation (so SECTIONS is complete)."""
    out = Model(load_scenario(HERE / "scenarios" / name), 3, 0).run()
    full = compute(out)
    for kpi in {k[0] for k in full}:
        part = compute(out, {kpi})
        mine = {k: v for k, v in full.items() if k[0] == kpi}
        got = {k: v for k, v in part.items() if k[0] == kpi}
        assert got.keys() == mine.keys(), kpi
        assert all(got[k] == mine[k] or (got[k] != got[k] and mine[k] != mine[k])
                   for k in mine), kpi
    assert {k[0] for k in full} <= set(KPIS)


@pytest.mark.parametrize("method,samples", [("oat", 3), ("morris", 6), ("sobol", 16),
                                            ("lhs", 20), ("grid", 3)])
def test_sweep_figure_set_and_report_for_every_method(tmp_path, capsys, method, samples):
    """corridor plot on a sweep folder analyses it if needed, then draws per output its
    index chart and its scatters; corridor report embeds them."""
    run_sweep(load_sweep(model_spec(tmp_path, method=method, samples=samples)),
              tmp_path / "s", workers=1)
    assert main(["plot", str(tmp_path / "s")]) == 0
    cap = capsys.readouterr()
    assert "(analysed the sweep first:" in cap.err
    names = sorted(p.name for p in (tmp_path / "s" / "figures").iterdir())
    assert names == sorted([f"{method}_y.png", "scatter_y.png", f"{method}_y_noise.png",
                            "scatter_y_noise.png"])
    for n in names:
        assert (tmp_path / "s" / "figures" / n).stat().st_size > 5000
    assert main(["report", str(tmp_path / "s")]) == 0
    html = (tmp_path / "s" / "report.html").read_text()
    assert "Sensitivity sweep" in html and html.count("data:image/png;base64") >= 4


def test_sweep_folders_that_cannot_be_drawn(tmp_path, capsys):
    run_sweep(load_sweep(model_spec(tmp_path, method="lhs", samples=5)), tmp_path / "s",
              workers=1)
    man = json.loads((tmp_path / "s" / "sweep.json").read_text())
    (tmp_path / "s" / "runs.parquet").write_bytes(b"PAR1 cut short")
    assert main(["plot", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.match(rf"error: {re.escape(str(tmp_path / 's'))}.*runs\.parquet"
                                      r": unreadable", err[0]), err
    assert not (tmp_path / "s" / "figures").exists()
    man["sweep_format"] = 7
    (tmp_path / "s" / "sweep.json").write_text(json.dumps(man))
    assert main(["plot", str(tmp_path / "s")]) == 2
    assert "sweep.json: sweep_format: 7 is not a format" in capsys.readouterr().err


def test_more_bad_specs(tmp_path):
    def check(text: str, msg: str):
        with pytest.raises(ConfigError, match=msg):
            load_sweep(spec(tmp_path, text))

    base = TOY_SWEEP.split("[[parameters]]")[0]
    one = '[[parameters]]\npath = "nodes.gate.crossing.cranes"\nlow = 1\nhigh = 3\n'
    check(base + one + 'name = "status"\n', r"parameters\[0\]\.name: 'status' is already a "
          r"column of the run table")
    check(base + one.replace("cranes", "customs_dwell_h.mean").replace("low = 1", "low = 12")
          .replace("high = 3", "high = 30") + 'name = "utilisation:gate"\n',
          r"parameters\[0\]\.name: 'utilisation:gate' is already a column")
    check(base + one + one, r"parameters\[1\]\.path: 'nodes.gate.crossing.cranes' is also set "
          r"by parameters\[0\]; one path, one parameter")
    check(base.replace("seed = 5", 'seed = 5\nset = { "nodes.gate.crossing.cranes" = 2 }')
          + one, r"parameters\[0\]\.path: 'nodes.gate.crossing.cranes' is fixed by 'set' as "
          r"well")
    check(base.replace('"utilisation:gate"]', '"utilisation:gate", "utilisation:gate"]') + one,
          r"outputs\[3\]: 'utilisation:gate' is listed twice")
    check(base.replace('method = "lhs"', 'method = "grid"').replace("samples = 6",
                                                                    "samples = 1000") + one * 0
          + one + one.replace("cranes", "receiving_tracks").replace("high = 3", "high = 5")
          + one.replace("cranes", "siding_length_m").replace("low = 1", "low = 500")
          .replace("high = 3", "high = 1500"),
          r"samples: grid with samples = 1000 makes 1,000,000,000 design points x 2 "
          r"replication\(s\) = 2,000,000,000 runs \(at most 1,000,000 per sweep\)")
    check(base + one.replace("high = 3", "high = 3.5"),
          r"parameters\[0\]: 'nodes.gate.crossing.cranes' is a whole number: give whole-number "
          r"low and high \(got 1, 3.5\)")
    with pytest.raises(ConfigError, match=r"model: 'os:sep' is a str, not a function"):
        load_sweep(spec(tmp_path, model_spec(tmp_path).read_text().replace(
            "tests.testfunctions:linear", "os:sep"), "m.toml"))


def test_oat_base_row_and_whole_numbers(tmp_path):
    """The base row holds exactly the scenario's values (whole numbers included), and a
    whole-number parameter takes every value of its range, the ends with their fair share."""
    sw = load_sweep(spec(tmp_path, TOY_SWEEP.replace('method = "lhs"', 'method = "oat"')
                         .replace("samples = 6", "samples = 3")))
    base = sw.values[0]
    assert list(base) == [36500.0, 2.0, 24.0]
    assert sw.oat_varied[0] == ""
    cranes = sw.values[np.array(sw.oat_varied) == "nodes.gate.crossing.cranes", 1]
    assert sorted(cranes) == [1.0, 3.0]      # 2 is the base point
    lhs = load_sweep(spec(tmp_path, TOY_SWEEP.replace("samples = 6", "samples = 3000"),
                          "l.toml"))
    counts = np.unique(lhs.values[:, 1], return_counts=True)
    assert list(counts[0]) == [1.0, 2.0, 3.0] and (abs(counts[1] - 1000) <= 1).all()


def test_interrupted_folders_are_resumable(tmp_path, capsys):
    p = model_spec(tmp_path, method="lhs", samples=5)
    out = tmp_path / "o"
    run_sweep(load_sweep(p), out, workers=1)
    # killed between sweep.json and the design: the design is written on resume
    (out / "design.parquet").unlink()
    s = run_sweep(load_sweep(p), out, workers=1)
    assert s.resumed == 10 and s.ran == 0 and (out / "design.parquet").exists()
    # runs without sweep.json (its manifest deleted): whose they are is unknown, so they
    # are kept unless --restart
    (out / "sweep.json").unlink()
    with pytest.raises(ConfigError, match=r"o: --out: holds a sweep's files but no "
                       r"sweep.json, so what they hold is unknown; rerun with --restart"):
        run_sweep(load_sweep(p), out, workers=1)
    assert (out / "runs.sqlite").exists()
    s = run_sweep(load_sweep(p), out, workers=1, restart=True)
    assert s.resumed == 0 and s.ran == 10
    # an unreadable manifest: refused, and --restart starts again
    (out / "sweep.json").write_text("{")
    with pytest.raises(ConfigError, match=r"sweep.json: unreadable .*, so the sweep in this "
                       r"folder cannot be resumed; rerun with --restart"):
        run_sweep(load_sweep(p), out, workers=1)
    assert run_sweep(load_sweep(p), out, workers=1, restart=True).ran == 10
    # an --out that cannot be created
    assert main(["sweep", str(p), "--out", "/dev/null/x"]) == 2
    assert "error: /dev/null/x: --out: cannot be created: /dev/null is a file" in \
        capsys.readouterr().err
    assert main(["analyze", str(out), "--out", "/dev/null/x"]) == 2
    assert "error: /dev/null/x: --out: cannot be created" in capsys.readouterr().err


def test_every_kpi_belongs_to_a_part_of_the_computation():
    assert set().union(*SECTIONS.values()) == set(KPIS)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_each_method_is_found_by_name_and_sizes_its_design(name):
    """Every method the spec allows has a row in the table, and its size rule is the
    number of points its sampler makes (oat: one more per parameter whose base is not one
    of its levels, as here)."""
    assert set(METHODS) == set(get_args(MethodName))
    prm = [{"path": p, "low": 0.0, "high": 1.0, "base": 0.5} for p in ("a", "b", "c")]
    spec = SweepSpec(model="tests.testfunctions:linear", method=name, samples=4,
                     outputs=["y"], parameters=prm)
    unit, varied = METHODS[name].sample(spec)
    assert unit.shape[1] == 3 and ((unit >= 0) & (unit <= 1)).all()
    assert (varied is not None) == (name == "oat")
    size = METHODS[name].size(spec)
    assert len(unit) == (size + 3 if name == "oat" else size)


def test_every_scope_of_the_golden_baseline_begins_with_a_scope_word():
    """The words a sweep output's scope may begin with cover every scope the baseline's
    KPIs have (the golden file), so no real output is refused."""
    words = scope_words(resolved_dict(load_scenario(ROOT / "scenarios" / "baseline.toml")))
    scopes = {r["scope"] for r in json.loads(GOLDEN.read_text())}
    assert len(scopes) > 150
    assert {sc for sc in scopes if re.split(r"[:>]", sc)[0] not in words} == set()


@pytest.mark.parametrize("samples,warned", [(4, True), (64, False)])
def test_a_sobol_sample_too_small_to_read_is_said_so(tmp_path, capsys, samples, warned):
    run_sweep(load_sweep(model_spec(tmp_path, method="sobol", samples=samples,
                                    replications=1)), tmp_path / "s", workers=1)
    assert main(["analyze", str(tmp_path / "s"), "--quiet"]) == 0
    err = capsys.readouterr().err
    line = (f"warning: {tmp_path / 's'}: samples: {samples} base samples are too few for "
            "Sobol indices (fewer than 64: their intervals are wide and an index can pass 1, "
            "which no variance share can); read them as a rough ranking, or screen with "
            "morris and run sobol with 512 or more\n")
    assert (line in err) == warned, err
    facts = json.loads((tmp_path / "s" / "indices.json").read_text())
    assert bool(facts["cautions"]) == warned   # kept beside the indices too
