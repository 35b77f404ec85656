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
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000, help="runs in the main sweep")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the speed-up pair")
    p.add_argument("--warmup", action="store_true", help="keep the 120-day warm-up")
    p.add_argument("--skip-main", action="store_true")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        one, two = [], []
        for _ in range(a.rounds):
            one.append(sweep(folder, 48, 1, a.warmup))
            two.append(sweep(folder, 48, 2, a.warmup))
        ratios = [x / y for x, y in zip(one, two)]
        print(f"speed-up, 48 one-year runs, {a.rounds} rounds (a fresh process each):")
        print(f"  1 worker   {statistics.median(one):7.1f} s  ({min(one):.1f}..{max(one):.1f})")
        print(f"  2 workers  {statistics.median(two):7.1f} s  ({min(two):.1f}..{max(two):.1f})")
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
