"""Seconds per simulated year of the baseline, against raw SimPy in the same run.

Each case runs in a fresh Python process (so peak memory is that case's own) and is
repeated; medians are printed. Cases:

* ``ref``    one million ``env.timeout`` events of raw SimPy (the yardstick);
* ``year``   one simulated year (2024, no warm-up) of ``scenarios/baseline.toml``, every
             container tracked: demand drawn, network built, run, every stage time of every
             container in the record store ("simulate"); then the KPIs of the run, timed
             apart (no file writing in either);
* ``scaled`` the same with ``demand.scale = 2.4``.

Usage: python benchmarks/bench_year.py [--repeat 5] [--scenario scenarios/baseline.toml]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def case_ref(_scenario: str) -> dict:
    import simpy

    def ticker(env, n):
        for _ in range(n):
            yield env.timeout(1.0)

    t = time.perf_counter()
    env = simpy.Environment()
    env.process(ticker(env, 1_000_000))
    env.run()
    return {"wall_s": time.perf_counter() - t, "events": 1_000_000}


def _one_year(scenario: str, scale: float) -> dict:
    from sim.engine.model import Model
    from sim.measure import kpis
    from sim.scenario.loading import load_scenario

    s = load_scenario(scenario, overrides={"horizon.start": "2024-01-01",
                                           "horizon.end": "2025-01-01",
                                           "horizon.warmup_days": 0, "demand.scale": scale})
    t = time.perf_counter()
    out = Model(s).run()
    wall = time.perf_counter() - t
    t = time.perf_counter()
    K = kpis.compute(out)
    kpi_s = time.perf_counter() - t
    return {"wall_s": wall, "kpi_s": kpi_s, "containers": int(out.store.n),
            "trains": len(out.origin_trains) + sum(len(x.out_log) for x in out.crossings.values()),
            "delivered": int(K[("containers_delivered", "run", "all")])}


def case_year(scenario: str) -> dict:
    return _one_year(scenario, 1.0)


def case_scaled(scenario: str) -> dict:
    return _one_year(scenario, 2.4)


CASES = {"ref": case_ref, "year": case_year, "scaled": case_scaled}


def child(case: str, scenario: str) -> None:
    res = CASES[case](scenario)
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def measure(cases: list[str], scenario: str, repeat: int) -> dict[str, list[dict]]:
    """Run the cases in turn, ``repeat`` rounds (A B C A B C ...), so that ratios are
    taken between runs made close together on a machine whose speed drifts."""
    runs: dict[str, list[dict]] = {c: [] for c in cases}
    for _ in range(repeat):
        for case in cases:
            r = subprocess.run([sys.executable, __file__, "--child", case, "--scenario",
                                scenario], capture_output=True, text=True, check=True, cwd=ROOT)
            runs[case].append(json.loads(r.stdout.strip().splitlines()[-1]))
    return runs


def median_of(runs: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    med["wall_min"] = min(r["wall_s"] for r in runs)
    med["wall_max"] = max(r["wall_s"] for r in runs)
    return med


def ratio(a: list[dict], b: list[dict]) -> float:
    """Median of the round-by-round ratios a/b."""
    return statistics.median(x["wall_s"] / y["wall_s"] for x, y in zip(a, b))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--scenario", default="scenarios/baseline.toml")
    p.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a.child, a.scenario)
        return 0
    runs = measure(list(CASES), a.scenario, a.repeat)
    ref, year, scaled = (median_of(runs[c]) for c in ("ref", "year", "scaled"))
    print(f"{a.repeat} rounds of (reference, year, x2.4), a fresh process per run; medians")
    print(f"{'case':28s}{'wall s (min..max)':>24s}{'peak RSS MB':>14s}{'containers':>12s}"
          f"{'trains':>10s}")
    print("(wall s: simulate only, see above; peak RSS of the whole process incl. KPIs)")
    for name, r in (("1M SimPy timeouts (ref)", ref), ("baseline, 1 year", year),
                    ("baseline x2.4, 1 year", scaled)):
        span = f"{r['wall_s']:.3f} ({r['wall_min']:.3f}..{r['wall_max']:.3f})"
        print(f"{name:28s}{span:>24s}{r['peak_rss_mb']:14.0f}"
              f"{r.get('containers', 0):12,.0f}{r.get('trains', 0):10,.0f}")
    print(f"seconds per simulated year (baseline): {year['wall_s']:.3f} simulate"
          f" + {year['kpi_s']:.3f} KPIs")
    print(f"containers per second:                 {year['containers'] / year['wall_s']:,.0f}")
    print(f"ratio year / 1M-event reference:       {ratio(runs['year'], runs['ref']):.2f}"
          "   (budget <= 1.0; median of per-round ratios)")
    with_kpis = statistics.median((y["wall_s"] + y["kpi_s"]) / r["wall_s"]
                                  for y, r in zip(runs["year"], runs["ref"]))
    print(f"ratio year + KPIs / reference:         {with_kpis:.2f}")
    print(f"ratio x2.4 demand / x1 demand:         {ratio(runs['scaled'], runs['year']):.2f}"
          "   (budget <= 2.6)")
    print(f"peak memory, baseline year:            {year['peak_rss_mb']:.0f} MB   (budget <= 300)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
