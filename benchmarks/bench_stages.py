"""Where a run's time and memory go, stage by stage, against raw SimPy in the same run.

Each case runs in a fresh Python process, in rounds (the reference, then every case), so
ratios are taken between runs made close together on a machine whose speed drifts. A case
is a scenario at a demand scale, run through the same stages as ``sim.study.replications``:

* ``simulate``   ``Model(scenario).run()``: demand drawn, network built, run, every stage
                 time of every container in the record store;
* ``kpis``       ``sim.measure.kpis.compute`` of the run;
* ``daily``      the daily series (``sim.measure.timeseries.daily``);
* ``containers`` the containers table (the record store as a frame, with the sea legs);
* ``write``      the result folder written (``sim.io.bundle.write_bundle``) to a
                 temporary folder.

Per stage: wall seconds, and the process's peak resident memory when it ended (peak RSS
only grows, so a stage's figure is the peak up to and including it). Per simulated year:
the wall seconds the simulate step spent in that year (a clock process stamps each New
Year), to show whether late, congested years cost more than early ones.

The reference is one million ``env.timeout`` events of raw SimPy, as in ``bench_year.py``.

Usage::

    python benchmarks/bench_stages.py                       # baseline x1, x2.4; congested
    python benchmarks/bench_stages.py --repeat 3 --case baseline:1 --case baseline:2.4
    python benchmarks/bench_stages.py --one-year            # 2024 only, no warm-up

A case is ``NAME:SCALE`` with NAME one of ``baseline`` (``scenarios/baseline.toml``),
``calibrated`` (``calibration/calibrated.toml``) or ``congested``
(``scenarios/middle_corridor_2030.toml``), or a path to a scenario file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = {"baseline": "scenarios/baseline.toml", "calibrated": "calibration/calibrated.toml",
         "congested": "scenarios/middle_corridor_2030.toml"}
DEFAULT_CASES = ["baseline:1", "baseline:2.4", "congested:1"]
STAGES = ("simulate", "kpis", "daily", "containers", "write")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _year_clock(model, marks: list[tuple[int, float]]):
    """Process: the wall clock at every New Year of the simulated span."""
    cal, env = model.cal, model.env
    year = cal.t0.year + 1
    while True:
        h = cal.hours(dt.date(year, 1, 1))
        if h >= cal.end_h:
            return
        yield env.timeout(h - env.now)
        marks.append((year, time.perf_counter()))
        year += 1


def stages(path: str, scale: float, one_year: bool) -> dict:
    """Every stage of one run, timed; peak RSS after each."""
    import numpy as np

    from sim.engine.model import Model
    from sim.io.bundle import RunResult, write_bundle
    from sim.measure import kpis as kpi_mod
    from sim.measure.timeseries import daily
    from sim.scenario.loading import load_scenario
    from sim.study.replications import containers_table, summarise

    overrides: dict[str, object] = {"demand.scale": scale}
    if one_year:
        overrides.update({"horizon.start": "2024-01-01", "horizon.end": "2025-01-01",
                          "horizon.warmup_days": 0})
    s = load_scenario(ROOT / path, overrides=overrides)
    res: dict = {"wall_s": {}, "peak_mb": {}}

    def done(stage: str, t: float) -> None:
        res["wall_s"][stage] = time.perf_counter() - t
        res["peak_mb"][stage] = peak_mb()

    t = time.perf_counter()
    model = Model(s)
    res["build_s"] = time.perf_counter() - t
    marks: list[tuple[int, float]] = []
    model.env.process(_year_clock(model, marks))
    stamp, stamped = model._stamp, []

    def timed_stamp() -> None:  # the records stamped after the last simulated hour
        stamped.append(time.perf_counter())
        stamp()
    model._stamp = timed_stamp  # type: ignore[method-assign]
    t_run = time.perf_counter()
    out = model.run()
    done("simulate", t)
    res["stamp_s"] = t + res["wall_s"]["simulate"] - stamped[0]
    # wall seconds per simulated calendar year, the build and the stamping apart (the
    # first and last years may be partial)
    ends = [*marks, (None, stamped[0])]
    starts = [(model.cal.t0.year, t_run), *marks]
    res["year_s"] = {str(y): e - b for (y, b), (_y, e) in zip(starts, ends)}
    cal = model.cal  # the calendar years the run covers from 1 January to 31 December
    res["whole_years"] = [str(y) for y in range(cal.t0.year, cal.end.year + 1)
                          if cal.hours(dt.date(y, 1, 1)) >= 0
                          and cal.hours(dt.date(y + 1, 1, 1)) <= cal.end_h]
    res["span_days"] = model.cal.end_h / 24.0
    res["containers"] = int(out.store.n)
    t = time.perf_counter()
    K = kpi_mod.compute(out)
    done("kpis", t)
    t = time.perf_counter()
    ts = daily(out)
    ts.insert(0, "replication", np.int32(0))
    done("daily", t)
    t = time.perf_counter()
    cont = containers_table(out, 0)
    done("containers", t)
    result = RunResult(s, s.seed, 1, summarise([K]), cont, ts, 0.0)
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_bundle(result, Path(tmp) / "run", None, None)
    done("write", t)
    return res


def child(case: str, one_year: bool) -> None:
    # the package first, as a user's process would: it sets NumPy's huge-page default
    # before NumPy is imported (sim/__init__.py)
    import sim  # noqa: F401
    if case == "ref":
        from bench_year import case_ref  # the same yardstick (this script's folder)
        res = case_ref("")
    else:
        name, scale = case.rsplit(":", 1)
        res = stages(NAMED.get(name, name), float(scale), one_year)
    print(json.dumps(res))


def measure(cases: list[str], repeat: int, one_year: bool) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {c: [] for c in ["ref", *cases]}
    for _ in range(repeat):
        for case in runs:
            cmd = [sys.executable, __file__, "--child", case]
            if one_year:
                cmd.append("--one-year")
            r = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
            runs[case].append(json.loads(r.stdout.strip().splitlines()[-1]))
    return runs


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--case", action="append", help="NAME:SCALE (repeatable)")
    p.add_argument("--one-year", action="store_true", help="2024 only, no warm-up")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a.child, a.one_year)
        return 0
    cases = a.case or DEFAULT_CASES
    runs = measure(cases, a.repeat, a.one_year)
    ref = runs["ref"]
    ref_s = statistics.median(r["wall_s"] for r in ref)
    print(f"{a.repeat} rounds, a fresh process per run; medians. 1M SimPy timeouts: "
          f"{ref_s:.3f} s")
    for case in cases:
        rs = runs[case]
        years = rs[0]["span_days"] / 365.25
        print(f"\n{case}: {years:.2f} simulated years, {rs[0]['containers']:,} containers")
        print(f"  {'stage':12s}{'wall s':>9s}{'s / year':>10s}{'/ ref per yr':>14s}"
              f"{'peak MB':>9s}")
        total = [0.0] * len(rs)
        for stage in STAGES:
            wall = statistics.median(r["wall_s"][stage] for r in rs)
            per_ref = statistics.median(r["wall_s"][stage] / years / x["wall_s"]
                                        for r, x in zip(rs, ref))
            mb = statistics.median(r["peak_mb"][stage] for r in rs)
            for i, r in enumerate(rs):
                total[i] += r["wall_s"][stage]
            print(f"  {stage:12s}{wall:9.3f}{wall / years:10.3f}{per_ref:14.2f}{mb:9.0f}")
        per_ref = statistics.median(tt / years / x["wall_s"] for tt, x in zip(total, ref))
        print(f"  {'all':12s}{statistics.median(total):9.3f}"
              f"{statistics.median(total) / years:10.3f}{per_ref:14.2f}")
        yrs = list(rs[0]["year_s"])
        cells = ", ".join(f"{y} {statistics.median(r['year_s'][y] for r in rs):.2f}"
                          for y in yrs)
        build, stamp = (statistics.median(r[k] for r in rs) for k in ("build_s", "stamp_s"))
        print(f"  simulate: build {build:.2f} s; by calendar year (s): {cells}; "
              f"stamping {stamp:.2f} s")
        whole = rs[0]["whole_years"]
        if len(whole) >= 2:  # the last whole year against the first whole one
            first, last = whole[0], whole[-1]
            ratio = statistics.median(r["year_s"][last] / r["year_s"][first] for r in rs)
            print(f"  last whole year / first whole year ({last} / {first}): {ratio:.2f}")
    for base, scaled in ((c, c.rsplit(":", 1)[0] + ":2.4") for c in cases):
        if base.endswith(":1") and scaled in runs:
            for label, key in (("simulate", ("simulate",)), ("all stages", STAGES)):
                r = statistics.median(
                    sum(b["wall_s"][k] for k in key) / sum(a_["wall_s"][k] for k in key)
                    for a_, b in zip(runs[base], runs[scaled]))
                print(f"{scaled} / {base}, {label}: {r:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
