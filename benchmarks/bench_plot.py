"""Wall time of ``corridor plot`` and ``corridor report`` on a one-year baseline run
folder (every container kept), each in a fresh Python process, so that loading Python,
pandas and matplotlib counts (budget, issue 7: the full figure set in at most 10 s).

    python benchmarks/bench_plot.py [--repeat 3]

The run folder (2024, the baseline's warm-up, seed 1, one replication) is written once into
a temporary folder; each round then times ``corridor plot DIR --out FIGS`` and ``corridor
report DIR --out PAGE``, and the medians are printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"


def corridor(*args: str) -> float:
    """Seconds for one ``corridor`` command in a fresh process."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "baseline-2024"
        corridor("run", "scenarios/baseline.toml", "--set", "horizon.start=2024-01-01",
                 "--out", str(run), "--quiet", "--workers", "1")
        plot, report = [], []
        for i in range(a.repeat):
            plot.append(corridor("plot", str(run), "--out", str(Path(tmp) / f"figs{i}")))
            report.append(corridor("report", str(run), "--out", str(Path(tmp) / f"r{i}.html")))
        n = len(list((Path(tmp) / "figs0").iterdir()))
    print(f"corridor plot, one-year baseline ({n} figures): median {statistics.median(plot):.2f} s "
          f"(min {min(plot):.2f}, max {max(plot):.2f}); budget 10 s")
    print(f"corridor report, same folder: median {statistics.median(report):.2f} s "
          f"(min {min(report):.2f}, max {max(report):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
