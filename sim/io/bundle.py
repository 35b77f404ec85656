"""Result bundles: one folder per run, written atomically.

A bundle holds ``manifest.json`` (provenance: scenario, resolved config and its hash,
seeds, versions, git commit, wall time), ``kpis.json`` / ``kpis.csv`` (no wall time, so
two identical runs give identical files), ``timeseries.parquet`` and, unless skipped,
``containers.parquet``, and ``network.json`` (the corridor's nodes with their coordinates
and its rail and sea links with the scopes that name their directions in the tables, for
the map). Everything is written into a hidden temporary folder beside the
target, which is renamed into place only when complete: a reader never sees half a bundle.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sim import __version__
from sim.io.atomic import folder_replacing
from sim.io.manifest import git_commit, manifest_kind, versions
from sim.io.parquet import write_in_row_groups
from sim.scenario.loading import resolved_dict
from sim.scenario.network import direction_scope, service_scope

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.schema import Scenario

BUNDLE_FORMAT = 1


@dataclass
class RunResult:
    """What :func:`sim.study.replications.run` returns and a result folder holds: the KPI
    table (one row per KPI, period and scope, with every replication's value), the
    container records (None when not kept) and the daily series."""

    scenario: Scenario
    seed: int
    replications: int
    kpis: pd.DataFrame
    containers: pd.DataFrame | None
    timeseries: pd.DataFrame
    wall_time_s: float
    extra: dict = field(default_factory=dict)

    def kpi(self, name: str, period: str | int = "run", scope: str = "all") -> float:
        """The mean of one KPI (KeyError if there is no such row); ``period`` is a year
        (``2024`` or ``"2024"``), the part of one a horizon covers when its years run in
        part are labelled so (``"2024 Jan–Mar"``), or ``"run"``."""
        period = str(period)
        m = self.kpis[(self.kpis.name == name) & (self.kpis.period == period)
                      & (self.kpis.scope == scope)]
        if m.empty:
            raise KeyError(f"no KPI {name!r} for period {period!r} and scope {scope!r}")
        return float(m["mean"].iloc[0])


def _clean(x):
    """JSON-safe: NaN and infinities become null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def dumps(obj) -> str:
    return json.dumps(_clean(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def config_hash(config: dict) -> str:
    canon = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


def kpi_records(result: RunResult) -> list[dict]:
    recs = []
    for row in result.kpis.itertuples(index=False):
        ci = None if (math.isnan(row.ci95_low) or math.isnan(row.ci95_high)) else [
            row.ci95_low, row.ci95_high]
        recs.append({"name": row.name, "period": row.period, "scope": row.scope,
                     "unit": row.unit, "mean": row.mean, "ci95": ci, "values": row.values})
    return recs


def manifest(result: RunResult, scenario_path: str | None, argv: list[str] | None) -> dict:
    cfg = resolved_dict(result.scenario)
    return {
        "kind": "run",
        "bundle_format": BUNDLE_FORMAT,
        "scenario": result.scenario.name,
        "scenario_path": scenario_path,
        "config_hash": config_hash(cfg),
        "seed": result.seed,
        "replications": result.replications,
        "seed_scheme": ("numpy SeedSequence(seed, spawn_key=(replication, stream"
                        "[, sha256(element) words 0 and 1]))"),
        "horizon": {"start": str(result.scenario.horizon.start),
                    "end": str(result.scenario.horizon.end),
                    "warmup_days": result.scenario.horizon.warmup_days},
        "package_version": __version__,
        "git_commit": git_commit(),
        "versions": versions(),
        "command": argv,
        "wall_time_s": round(result.wall_time_s, 3),
        "files": [],
        **({"precision": result.extra["precision"]} if "precision" in result.extra else {}),
        **({"posterior": result.extra["posterior"]} if "posterior" in result.extra else {}),
        "config": cfg,
    }


def network_record(scenario) -> dict:
    """The corridor as drawn on a map: nodes with lon/lat and kind; rail links and vessel
    services (sea links) with their ends, length and the scope of each direction in the
    KPIs and daily series (direction 0 first)."""
    nodes = {nid: {"name": n.name, "kind": n.kind, "country": n.country, "lon": n.lon,
                   "lat": n.lat} for nid, n in scenario.nodes.items()}
    links = [{"id": lid, "from": link.from_, "to": link.to, "mode": "rail",
              "length_km": link.length_km,
              "scopes": [direction_scope(lid, link.from_, link.to, d) for d in (0, 1)]}
             for lid, link in scenario.links.items()]
    links += [{"id": sid, "from": svc.from_, "to": svc.to, "mode": "sea", "length_km": None,
               "vessels": svc.kind, "scopes": [service_scope(sid, d) for d in (0, 1)]}
              for sid, svc in scenario.services.items()]
    return {"network_format": 1, "nodes": nodes, "links": links}


RESULT_FILES = {"manifest.json", "kpis.json", "kpis.csv", "timeseries.parquet",
                "containers.parquet", "network.json", "figures", "report.html",
                "comparison.json", "comparison.csv", "table.csv", "table.xlsx",
                "cashflows.csv", "replications.csv", "quantities.csv", "summary.json",
                "summary.csv", "report.md"}


def not_replaceable(path: Path, kind: str = "run") -> str | None:
    """Why an existing folder may not be replaced by a result folder of ``kind``, or None
    if it may: an empty folder, or a result folder of the same kind holding nothing but
    result files and figures."""
    path = Path(path)
    if not path.is_dir():
        return "exists and is not a folder"
    names = {p.name for p in path.iterdir()}
    if not names:
        return None
    found = manifest_kind(path)
    if not found:
        return "exists and is not a result folder"
    if found != kind:
        return f"is a {found!r} result folder, which a {kind!r} folder does not replace"
    foreign = sorted(names - RESULT_FILES)
    if foreign:
        return f"is a result folder that also holds {', '.join(foreign)}"
    return None


def unwritable_parent(out: Path) -> str | None:
    """Why a result folder could not be created at ``out`` (checked before running)."""
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be created: {parent} is not writable"
    return None


@contextmanager
def atomic_dir(target: Path, kind: str = "run"):
    """Yield a temporary folder that replaces ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    why = not_replaceable(target, kind) if target.exists() else None
    if why:
        raise FileExistsError(f"{target} {why}; choose another output folder")
    with folder_replacing(target) as tmp:
        yield tmp


def write_bundle(result: RunResult, out_dir: str | Path, scenario_path: str | None = None,
                 argv: list[str] | None = None) -> Path:
    """Write a run's result folder atomically; returns its path."""
    out_dir = Path(out_dir)
    man = manifest(result, scenario_path, argv if argv is not None else sys.argv)
    with atomic_dir(out_dir) as tmp:
        (tmp / "kpis.json").write_text(dumps(kpi_records(result)), encoding="utf-8")
        csv = result.kpis.copy()
        csv["values"] = [";".join(repr(float(v)) for v in vals) for vals in csv["values"]]
        csv.to_csv(tmp / "kpis.csv", index=False, lineterminator="\n")
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        (tmp / "network.json").write_text(dumps(network_record(result.scenario)),
                                          encoding="utf-8")
        files = ["manifest.json", "kpis.json", "kpis.csv", "timeseries.parquet",
                 "network.json"]
        if result.containers is not None:
            write_in_row_groups(result.containers, tmp / "containers.parquet")
            files.append("containers.parquet")
        man["files"] = files
        (tmp / "manifest.json").write_text(dumps(man), encoding="utf-8")
    return out_dir
