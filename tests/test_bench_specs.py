"""The benchmarks' own inputs stay valid as the scenarios change (a benchmark that cannot
start measures nothing)."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_sweep_benchmarks_spec_loads(tmp_path):
    from sim.study.sweeps.spec import load_sweep
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        loaded = importlib.util.spec_from_file_location("bench_sweep",
                                                        ROOT / "benchmarks" / "bench_sweep.py")
        assert loaded is not None and loaded.loader is not None
        bench = importlib.util.module_from_spec(loaded)
        loaded.loader.exec_module(bench)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    spec = tmp_path / "spec.toml"
    spec.write_text(bench.SPEC.format(base=ROOT / "scenarios" / "baseline.toml", samples=2,
                                      warmup=', "horizon.warmup_days" = 0'))
    load_sweep(spec)  # raises ConfigError, one line per problem, if stale
