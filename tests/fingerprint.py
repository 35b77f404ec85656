"""Fingerprints of every scenario's outputs, to show that a refactoring changed nothing.

For each scenario in ``scenarios/`` and ``tests/scenarios/`` (seed 1, one replication,
containers kept) it hashes the KPI table (with every replication's values), the daily
series and the containers table. Run it before and after a change that must leave the
results identical, and compare::

    .venv/bin/python -m tests.fingerprint /tmp/before.json
    ... change ...
    .venv/bin/python -m tests.fingerprint /tmp/after.json --compare /tmp/before.json

It takes about three minutes on two cores; it is a developer's check, not a test. A
deliberate KPI rename is compared with ``--rename OLD=NEW`` on the side with the old
names.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from sim.scenario.loading import load_scenario
    from sim.study.replications import run
except ImportError:  # the flat layout before release 0.2, to fingerprint old commits
    from sim.config import load_scenario  # type: ignore[no-redef]
    from sim.experiment import run  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent


def frame_hash(df: pd.DataFrame | None) -> str:
    """Hash of a frame's column names, dtypes and values, in sorted column order."""
    if df is None:
        return "none"
    df = df.reindex(sorted(df.columns), axis=1)
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(",".join(map(str, df.dtypes)).encode())
    for c in df.columns:
        values = df[c].to_numpy()
        if values.dtype == object:  # strings, categories: by value, never by address
            h.update(repr(values.tolist()).encode())
        else:
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()[:16]


def fingerprint(path: Path, rename: dict[str, str] | None = None) -> dict[str, str]:
    """The hashes of one scenario's outputs; KPI names renamed by ``rename`` first (to
    compare across a deliberate rename), KPI rows in (name, period, scope) order."""
    r = run(load_scenario(path), seed=1, keep_containers=True)
    k = r.kpis.assign(name=r.kpis["name"].replace(rename or {}))
    k = k.sort_values(["name", "period", "scope"], kind="stable").reset_index(drop=True)
    return {"kpis": frame_hash(k.drop(columns=["values"]))
            + hashlib.sha256(repr(k["values"].map(repr).tolist()).encode()).hexdigest()[:8],
            "timeseries": frame_hash(r.timeseries), "containers": frame_hash(r.containers)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="JSON file to write")
    ap.add_argument("--compare", type=Path, help="an earlier output to compare with")
    ap.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                    help="rename a KPI before hashing (to compare across a rename)")
    ap.add_argument("scenarios", nargs="*", type=Path, help="default: every scenario")
    a = ap.parse_args(argv)
    paths = a.scenarios or sorted((ROOT / "scenarios").glob("*.toml")) + sorted(
        (ROOT / "tests" / "scenarios").glob("*.toml"))
    out = {}
    for p in paths:
        t = time.perf_counter()
        out[p.name] = fingerprint(p, dict(r.split("=", 1) for r in a.rename))
        print(f"{p.name:32} {out[p.name]} {time.perf_counter() - t:5.1f} s", flush=True)
    a.out.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    if a.compare:
        old = json.loads(a.compare.read_text())
        differ = sorted(k for k in out if k in old and old[k] != out[k])
        added = sorted(k for k in out if k not in old)
        if added:
            print("new (not compared): " + ", ".join(added))
        print(f"identical ({len(out) - len(added)} compared)" if not differ
              else "DIFFERENT: " + ", ".join(differ))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
