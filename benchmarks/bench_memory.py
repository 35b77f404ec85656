"""Peak memory of ``corridor run`` as a user runs it: the whole command in a fresh process,
its peak resident set size read from the operating system when it exits.

Cases (issue 15's budgets: at most 300 MB without the containers table, at most 1.5 x
that with it):

* ``--no-containers``  ``corridor run scenarios/baseline.toml --no-containers``;
* ``containers``       ``corridor run scenarios/baseline.toml`` (every container kept).

Memory does not drift with the machine's load as time does, so one round is enough; the
script prints each round and the largest.

Usage: python benchmarks/bench_memory.py [--repeat 1] [--scenario scenarios/baseline.toml]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_mb(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of ``corridor ARGS`` in a fresh process."""
    import time
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err:  # (not a pipe: nothing can fill and block it)
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"corridor {' '.join(args)} failed:\n{err.read().decode()}")
    return usage.ru_maxrss / 1024, wall  # (kB on Linux)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--scenario", default="scenarios/baseline.toml")
    a = p.parse_args()
    cases = {"--no-containers": ["--no-containers"], "containers": []}
    got: dict[str, list[tuple[float, float]]] = {c: [] for c in cases}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.repeat):
            for case, extra in cases.items():
                out = Path(tmp) / f"{case.strip('-')}-{i}"
                got[case].append(peak_mb(["run", a.scenario, "--quiet", "--out", str(out),
                                          *extra]))
    print(f"corridor run {a.scenario}: peak resident memory of the whole command "
          f"({a.repeat} round(s), a fresh process each)")
    for case, runs in got.items():
        mbs = ", ".join(f"{mb:.0f}" for mb, _w in runs)
        print(f"  {case:16s} peak {max(mb for mb, _w in runs):6.0f} MB  (rounds: {mbs}; "
              f"wall {min(w for _mb, w in runs):.1f} s)")
    lean = max(mb for mb, _w in got["--no-containers"])
    full = max(mb for mb, _w in got["containers"])
    print(f"  with / without the containers table: {full / lean:.2f}  "
          "(issue 15: <= 300 MB without, <= 1.5 x that with)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
