"""Wall time of 10 replications of a one-year baseline on 2 worker processes against one
replication, each in a fresh Python process (budget, issue 4: at most 6 x).

    python benchmarks/bench_replications.py [--repeat 3]

Each round times ``run(..., replications=1)`` and ``run(..., replications=10, workers=2)``
(no container table, as a sweep would), in that order, and prints the median of the
per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(reps: int, workers: int) -> None:
    from sim.scenario.loading import load_scenario
    from sim.study.replications import run
    s = load_scenario(ROOT / "scenarios" / "baseline.toml",
                      overrides={"horizon.start": "2024-01-01", "horizon.end": "2025-01-01",
                                 "horizon.warmup_days": 0})
    t = time.perf_counter()
    run(s, replications=reps, workers=workers, keep_containers=False)
    print(json.dumps({"wall_s": time.perf_counter() - t}))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(*a.child)
        return 0
    one, ten = [], []
    for _ in range(a.repeat):
        for reps, workers, out in ((1, 1, one), (10, 2, ten)):
            r = subprocess.run([sys.executable, __file__, "--child", str(reps), str(workers)],
                               capture_output=True, text=True, check=True, cwd=ROOT)
            out.append(json.loads(r.stdout.strip().splitlines()[-1])["wall_s"])
    ratios = [b / a_ for a_, b in zip(one, ten)]
    print(f"{a.repeat} rounds, a fresh process per run; medians (min..max)")
    print(f"  1 replication             {statistics.median(one):7.2f} s "
          f"({min(one):.2f}..{max(one):.2f})")
    print(f"  10 replications, 2 workers {statistics.median(ten):6.2f} s "
          f"({min(ten):.2f}..{max(ten):.2f})")
    print(f"  ratio (median of per-round ratios): {statistics.median(ratios):.2f}  "
          "(budget <= 6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
