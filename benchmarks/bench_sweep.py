"""Sweep throughput: 1,000 one-year runs of the baseline on the local executor (budget,
issue 6: at most 10 minutes on 2 cores), and the speed-up from 1 to 2 workers (at least
1.8 x).

    python benchmarks/bench_sweep.py                 # both parts (~12 min on 2 cores)
    python benchmarks/bench_sweep.py --runs 200      # a smaller main sweep
    python benchmarks/bench_sweep.py --skip-main     # the speed-up only

A one-year run is the baseline for 2024 with no warm-up (as in bench_year.py and
bench_replications.py); ``--warmup`` keeps the scenario's 120-day warm-up instead. The
spec is a Latin hypercube over four parameters (demand scale, Dostyk customs dwell, ASCO's
ferries on the Kuryk and Turkmenbashi lines, Aktau feeder load factor) with 4 replications
per point; every sweep runs in a fresh Python process through the ``corridor sweep``
command, into a fresh folder.
The speed-up compares 1 worker (runs in the sweep's own process) with 2 worker processes
on the same 48 runs, in alternating rounds; it prints the median of per-round ratios.

    python benchmarks/bench_sweep.py --split 24 --rounds 2 --skip-main

``--split N`` first shows where a sweep's time goes: a 1-worker sweep of N runs (the runs
in the sweep's own process) in a fresh process, each stage timed in CPU seconds (the
figure least moved by other jobs on a shared machine), per run: the model (``Model``
built, then ``run()``), the KPIs (``kpis.compute``), the rest of a run (the point's
scenario validated, the collection of the run's model, the store) and the fixed costs
(imports, the spec read and checked, the folder written).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SPEC = """
scenario = "{base}"
method = "lhs"
samples = {samples}
replications = 4
seed = 1
outputs = ["transit_containers_china_central_asia", "caspian_teu",
           "transit_time_days_mean:middle_corridor"]
set = {{ "horizon.start" = 2024-01-01, "horizon.end" = 2025-01-01{warmup} }}
[[parameters]]
path = "demand.scale"
low = 0.8
high = 1.2
[[parameters]]
path = "nodes.dostyk.crossing.customs_dwell_h.mean"
low = 24
high = 72
[[parameters]]
path = "fleets.asco_ferries.ships"
low = 8
high = 20
[[parameters]]
path = "services.aktau_alat_feeder.load_factor"
low = 0.7
high = 0.8
"""


def sweep(folder: Path, runs: int, workers: int, warmup: bool) -> float:
    """Wall time of one ``corridor sweep`` of ``runs`` runs in a fresh process."""
    spec = folder / f"spec-{runs}.toml"
    spec.write_text(SPEC.format(base=ROOT / "scenarios" / "baseline.toml", samples=runs // 4,
                                warmup="" if warmup else ', "horizon.warmup_days" = 0'))
    out = Path(tempfile.mkdtemp(dir=folder))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out",
                    str(out / "s"), "--workers", str(workers), "--quiet"], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def split_child(spec: str, out: str) -> None:
    """(In a fresh process.) Run a 1-worker sweep with its stages timed; print the CPU
    seconds of each as JSON."""
    clock = time.process_time
    t0 = clock()
    import sim.engine.model as model  # (imported here: their import is timed)
    import sim.study.sweeps.executors as executors
    import sim.study.sweeps.runner as runner
    import sim.study.sweeps.spec as spec_mod
    import sim.study.sweeps.worker as worker
    spent: dict[str, float] = {"imports": clock() - t0}

    def timed(owner, name: str, key: str) -> None:
        f = getattr(owner, name, None)
        if f is None:   # (code from before it was there)
            return

        def run(*a, **k):
            t = clock()
            try:
                return f(*a, **k)
            finally:
                spent[key] = spent.get(key, 0.0) + clock() - t
        setattr(owner, name, run)
    timed(model.Model, "__init__", "build")
    timed(model.Model, "run", "simulate")
    timed(worker, "compute", "kpis")
    timed(executors, "run_batch", "batches")
    timed(runner, "run_scenario", "validate_here")   # the sweep's process, once a point
    timed(worker, "run_scenario", "validate_worker")  # in a batch (the above could not)
    timed(model.gc, "collect", "collect")
    t = clock()
    sweep = spec_mod.load_sweep(spec)
    spent["load_sweep"] = clock() - t
    runner.run_sweep(sweep, out, workers=1)
    spent["total"] = clock() - t0
    spent["runs"] = sweep.runs
    print(json.dumps(spent))


def split(folder: Path, runs: int, warmup: bool) -> None:
    """Print the split of a 1-worker sweep of ``runs`` runs (:func:`split_child`)."""
    spec = folder / f"spec-{runs}.toml"
    spec.write_text(SPEC.format(base=ROOT / "scenarios" / "baseline.toml", samples=runs // 4,
                                warmup="" if warmup else ', "horizon.warmup_days" = 0'))
    got = subprocess.run([sys.executable, __file__, "--split-child", str(spec),
                          str(Path(tempfile.mkdtemp(dir=folder)) / "s")], check=True,
                         cwd=ROOT, capture_output=True, text=True).stdout
    d = json.loads(got.strip().splitlines()[-1])
    n = d["runs"]
    model_s = d["build"] + d["simulate"]
    here = d.get("validate_here", 0.0)
    rest = d["batches"] - model_s - d["kpis"] + here
    fixed = d["total"] - d["batches"] - here
    print(f"split of a 1-worker sweep of {n} one-year runs, CPU seconds per run:")
    print(f"  model         {model_s / n:6.3f}  (built {d['build'] / n:.3f}, "
          f"run {d['simulate'] / n:.3f})")
    print(f"  KPIs          {d['kpis'] / n:6.3f}")
    print(f"  rest of a run {rest / n:6.3f}  (the model's collection "
          f"{d.get('collect', 0.0) / n:.3f}, the points' scenarios validated "
          f"{(here + d.get('validate_worker', 0.0)) / n:.3f})")
    print(f"  fixed         {fixed:6.2f} s in all (imports {d['imports']:.2f}, spec read and "
          f"checked {d['load_sweep']:.2f})")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--split-child":
        split_child(sys.argv[2], sys.argv[3])
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000, help="runs in the main sweep")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the speed-up pair (0: none)")
    p.add_argument("--warmup", action="store_true", help="keep the 120-day warm-up")
    p.add_argument("--skip-main", action="store_true")
    p.add_argument("--split", type=int, metavar="N", help="first, the split of a 1-worker "
                   "sweep of N runs (model, KPIs, the rest; CPU seconds per run)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        if a.split:
            split(folder, a.split, a.warmup)
        one, two = [], []
        for _ in range(a.rounds):   # (--rounds 0: no speed-up)
            one.append(sweep(folder, 48, 1, a.warmup))
            two.append(sweep(folder, 48, 2, a.warmup))
        if a.rounds:
            ratios = [x / y for x, y in zip(one, two)]
            print(f"speed-up, 48 one-year runs, {a.rounds} rounds (a fresh process each):")
            print(f"  1 worker   {statistics.median(one):7.1f} s  "
                  f"({min(one):.1f}..{max(one):.1f})")
            print(f"  2 workers  {statistics.median(two):7.1f} s  "
                  f"({min(two):.1f}..{max(two):.1f})")
            print(f"  speed-up (median of per-round ratios) {statistics.median(ratios):.2f}  "
                  "(budget >= 1.8)")
        if not a.skip_main:
            wall = sweep(folder, a.runs, 2, a.warmup)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"main sweep: {a.runs} one-year runs on 2 workers: {wall:.0f} s "
                  f"({wall / 60:.1f} min; {a.runs / wall:.2f} runs/s; "
                  f"{wall / a.runs * 2:.2f} s per run per worker); largest process "
                  f"{peak:.0f} MB  (budget: 1,000 runs <= 600 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
