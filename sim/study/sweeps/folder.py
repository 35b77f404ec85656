"""A sweep's folder (``--out``): ``sweep.json`` (the spec, its fingerprint, counts),
``design.parquet`` (point, unit and actual values), ``runs.sqlite`` (the run store) and
``runs.parquet`` (the same rows as a table, replaced atomically at the end of every
invocation).

:func:`prepare_folder` creates a folder, or checks that it holds this sweep (resume: the
fingerprints agree), or clears it (restart); :func:`export` writes the table and the
counts; :func:`read_sweep_folder` reads a finished folder back for analysis and figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import __version__
from sim.io.atomic import write_parquet_atomic, write_text_atomic
from sim.io.bundle import dumps
from sim.io.folders import no_folder
from sim.io.manifest import git_commit, read_manifest
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem
from sim.study.folders import StudyFolder, prepare_study_folder, spec_changes
from sim.study.sweeps.schema import SWEEP_FORMAT
from sim.study.sweeps.spec import Sweep
from sim.study.sweeps.store import Store

if TYPE_CHECKING:
    from sim.study.sweeps.runner import SweepSummary

FOLDER_FILES = ("sweep.json", "design.parquet", "runs.sqlite", "runs.sqlite-wal",
                "runs.sqlite-shm", "runs.parquet", "indices.csv", "indices.json", "report.html")
STUDY = StudyFolder("sweep", "sweep", "sweep.json", FOLDER_FILES)


def prepare_folder(sweep: Sweep, out: Path, restart: bool) -> None:
    """Create ``out``, or check that it holds this sweep (resume), or clear it (restart):
    :func:`prepare_study_folder`. ``sweep.json`` is written first, then the design (a
    sweep killed between the two writes it on resume)."""
    prepare_study_folder(out, STUDY, sweep.fingerprint, lambda old: spec_changes(
        old, sweep.base_config_hash, sweep.written), restart)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "sweep.json").exists():
        write_text_atomic(out / "sweep.json", dumps(manifest(sweep, None, None)))
    if not (out / "design.parquet").exists():
        _write_design(sweep, out)


def _write_design(sweep: Sweep, out: Path) -> None:
    """``design.parquet``: per point its parameter values, unit positions (``u:name``)
    and, for oat, the parameter it moves."""
    cols: dict = {"point": np.arange(sweep.points, dtype=np.int32)}
    for j, p in enumerate(sweep.spec.parameters):
        cols[p.label] = sweep.values[:, j]
    for j, p in enumerate(sweep.spec.parameters):
        cols["u:" + p.label] = sweep.unit[:, j]
    if sweep.oat_varied is not None:
        cols["varied"] = sweep.oat_varied
    write_parquet_atomic(pd.DataFrame(cols), out / "design.parquet")


def manifest(sweep: Sweep, summary: SweepSummary | None, command: list[str] | None) -> dict:
    """The contents of ``sweep.json`` (with the counts once runs have been made)."""
    spec = sweep.spec
    m = {"kind": "sweep", "sweep_format": SWEEP_FORMAT, "fingerprint": sweep.fingerprint,
         "spec_path": str(sweep.path.resolve()), "spec": sweep.written,
         "base_config_hash": sweep.base_config_hash, "method": spec.method,
         "parameters": [{"name": p.label, "paths": p.paths, "low": p.low, "high": p.high,
                         "distribution": p.distribution, "base": p.base, "group": p.group,
                         "integer": p.integer} for p in spec.parameters],
         "outputs": [{"column": o.column, "kpi": o.kpi, "scope": o.scope, "period": o.period,
                      "unit": o.unit} for o in sweep.outputs],
         "points": sweep.points, "replications": spec.replications, "runs": sweep.runs,
         "seed": spec.seed, "package_version": __version__, "git_commit": git_commit(),
         "seed_scheme": "replication r of every point: Model(scenario, seed, r) (common "
                        "random numbers across points)"}
    if summary is not None:
        m["status"] = {"complete": summary.missing == 0, "done": summary.runs - summary.missing,
                       "failed": summary.failed_total, "missing": summary.missing,
                       "last_wall_s": summary.wall_s}
        m["command"] = command
    return m


def export(sweep: Sweep, out: Path, store: Store, summary: SweepSummary,
           command: list[str] | None) -> None:
    """``runs.parquet`` (all rows so far, sorted) and the manifest's counts, atomically."""
    rows = store.rows()
    n_out = len(sweep.outputs)
    pts = np.array([r[0] for r in rows], dtype=np.int32)
    cols: dict = {"point": pts, "replication": np.array([r[1] for r in rows], dtype=np.int32),
                  "seed": np.full(len(rows), sweep.spec.seed, dtype=np.int64)}
    for j, p in enumerate(sweep.spec.parameters):
        v = sweep.values[pts, j] if len(rows) else np.empty(0)
        cols[p.label] = v.astype(np.int64) if p.integer else v
    cols["status"] = [r[2] for r in rows]
    cols["error"] = [r[3] or "" for r in rows]
    vals = np.array([r[4] for r in rows], float).reshape(len(rows), n_out)
    for k, o in enumerate(sweep.outputs):
        cols[o.column] = vals[:, k]
    cols["wall_s"] = np.array([r[5] for r in rows], float)
    write_parquet_atomic(pd.DataFrame(cols), out / "runs.parquet")
    summary.missing = sweep.runs - len(rows)
    summary.failed_total = sum(1 for r in rows if r[2] != "ok")
    write_text_atomic(out / "sweep.json", dumps(manifest(sweep, summary, command)))


def read_sweep_folder(folder: str | Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(manifest, design frame, runs frame) of a sweep folder; ConfigError if it is not
    one, is damaged, or comes from another sweep format."""
    folder = Path(folder)
    man = folder / "sweep.json"
    if not folder.is_dir():
        raise ConfigError([Problem(str(folder), WHOLE_FILE, no_folder(
            folder, "a folder written by 'corridor sweep'"))])
    try:
        meta = read_manifest(man)
    except FileNotFoundError:
        raise ConfigError([Problem(str(folder), "sweep.json", "not a sweep folder (no "
                                   "sweep.json; make one with 'corridor sweep')")]) from None
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(man), WHOLE_FILE, f"unreadable ({e})")]) from None
    if not isinstance(meta, dict) or meta.get("kind") != "sweep":
        raise ConfigError([Problem(str(man), "kind", "not a sweep manifest")])
    if meta.get("sweep_format") != SWEEP_FORMAT:
        raise ConfigError([Problem(str(man), "sweep_format", f"{meta.get('sweep_format')!r} "
                                   f"is not a format this version reads ({SWEEP_FORMAT})")])
    frames = []
    for name in ("design.parquet", "runs.parquet"):
        try:
            frames.append(pd.read_parquet(folder / name))
        except FileNotFoundError:
            raise ConfigError([Problem(str(folder), name, "missing (rerun the 'corridor "
                                       "sweep' command to finish the folder)")]) from None
        except (OSError, ValueError) as e:
            raise ConfigError([Problem(str(folder / name), WHOLE_FILE, f"unreadable "
                                       f"({type(e).__name__}); rerun the 'corridor sweep' "
                                       "command, which rewrites it")]) from None
    return meta, frames[0], frames[1]


__all__ = ["FOLDER_FILES", "STUDY", "prepare_folder", "manifest", "export", "read_sweep_folder"]
