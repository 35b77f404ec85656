"""Sensitivity indices from a finished sweep folder (``corridor analyze``).

Per output, on the replication means of each design point (all points share their random
numbers, replication by replication), by the analysis of the sweep's design method
(:mod:`sim.study.sweeps.methods`):

* ``sobol``: first-order and total indices S1, ST (and S2 with ``second_order``), with
  bootstrap 95 % intervals (SALib);
* ``morris``: mu* (with its bootstrap interval), sigma and mu, in output units per full
  range of the parameter — per full quantile range for a non-uniform distribution, since
  the design lives in the unit hypercube;
* ``oat``: the output at the base point and at the low and high end of each range (the
  interval of an end is the paired interval of its change from the base run, placed
  around the base mean), the swing between the ends with a paired 95 % interval
  (replications are paired across points), and the arc elasticity
  ``(dy / y_base) / (dx / x_base)``;
* ``lhs`` and ``grid``: Spearman rank correlations (Fisher-z 95 % interval) and
  standardised regression coefficients with the regression's R².

How much is noise: with R replications under common random numbers, the variance of the
point means holds ``MS(point x replication) / R`` of replication noise (the shared effect of
a replication cancels between points); ``noise_share`` is that part (1 = the parameters
explain nothing that noise could not). Each index is also computed
from each replication alone: ``rep_low`` .. ``rep_high`` is the range those give, so an
index whose range spans zero is not told apart from noise.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io.atomic import write_text_atomic
from sim.io.bundle import dumps
from sim.scenario.problems import ConfigError, Problem
from sim.study.sweeps.folder import read_sweep_folder
from sim.study.sweeps.methods import METHODS, OutputRuns
from sim.study.sweeps.schema import SweepSpec

COLUMNS = ["output", "method", "parameter", "index", "value", "ci95_low", "ci95_high",
           "rep_low", "rep_high"]
NOISE = "(replication noise)"


@dataclass
class Analysis:
    method: str
    table: pd.DataFrame
    facts: dict


def analyze(folder: str | Path, resamples: int = 1000) -> Analysis:
    """Indices of every output of a complete sweep folder (ConfigError if the folder is
    not one, is incomplete, or has design points with no successful run)."""
    folder = Path(folder)
    meta, design, runs = read_sweep_folder(folder)
    spec = SweepSpec.model_validate(meta["spec"])
    method = METHODS[spec.method]
    shown = str(folder)
    want = int(meta["runs"])
    if len(runs) < want:
        raise ConfigError([Problem(shown, "runs.parquet", f"the sweep is incomplete "
                                   f"({len(runs)} of {want} runs); run the same 'corridor "
                                   "sweep' command again to finish it")])
    names = [p["name"] for p in meta["parameters"]]
    unit = design[["u:" + n for n in names]].to_numpy(float)
    values = design[names].to_numpy(float)
    n_pts, reps = len(design), int(meta["replications"])
    rows: list[tuple] = []
    outputs: dict[str, dict] = {}
    facts = {"method": spec.method, "points": n_pts, "replications": reps,
             "outputs": outputs, "cautions": cautions(spec)}
    for o in meta["outputs"]:
        col = o["column"]
        Y = np.full((n_pts, reps), np.nan)
        ok = runs[runs.status == "ok"]
        Y[ok.point.to_numpy(), ok.replication.to_numpy()] = ok[col].to_numpy(float)
        empty = np.flatnonzero(np.isnan(Y).all(axis=1))
        if len(empty) == n_pts and not (runs.status != "ok").all():
            raise ConfigError([Problem(shown, col, f"no run has this output: the runs have no "
                                       f"KPI '{o['kpi']}' with scope '{o['scope']}' in period "
                                       f"'{o['period']}' (fix the output in the spec and "
                                       "rerun with --restart)")])
        if len(empty) and (method.every_point or n_pts - len(empty) < 3):
            first = runs[runs.point == empty[0]]
            why = (first.error.iloc[0] if len(first) and first.error.iloc[0]
                   else "the KPI is missing there")
            raise ConfigError([Problem(shown, col, f"{len(empty)} design point(s) have no "
                                       f"value (e.g. point {empty[0]}: {why}); "
                                       f"{spec.method} needs "
                                       + ("every point" if method.every_point
                                          else "at least 3 points")
                                       + f": rerun 'corridor sweep SPEC --out {folder} "
                                       "--retry-failed'")])
        keep = np.setdiff1d(np.arange(n_pts), empty)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows handled above
            ym = np.nanmean(Y, axis=1)
        noise = _noise(Y[keep], ym[keep])
        out_rows: list[tuple] = list(method.analyze(OutputRuns(
            spec, meta, design, unit, values, Y, ym, keep, resamples)))
        out_rows.append((NOISE, "noise_share", noise["noise_share"], math.nan, math.nan,
                         math.nan, math.nan))
        rows += [(col, spec.method, *r) for r in out_rows]
        outputs[col] = {"kpi": o["kpi"], "scope": o["scope"], "period": o["period"],
                        "unit": o.get("unit", ""), "points_used": int(len(keep)),
                        "runs_failed": int((runs.status != "ok").sum()), **noise}
    return Analysis(spec.method, pd.DataFrame(rows, columns=COLUMNS), facts)


SOBOL_FEW = 64  # base samples below which Sobol indices are a rough ranking at best


def cautions(spec: SweepSpec) -> list[tuple[str, str]]:
    """(field, what to beware of) for a design too small for its indices to be read as
    numbers: a Sobol base sample under :data:`SOBOL_FEW` (its bootstrap intervals span
    most of [0, 1] and an index can pass 1)."""
    if spec.method == "sobol" and spec.samples < SOBOL_FEW:
        return [("samples", f"{spec.samples} base samples are too few for Sobol indices "
                 f"(fewer than {SOBOL_FEW}: their intervals are wide and an index can pass "
                 "1, which no variance share can); read them as a rough ranking, or screen "
                 "with morris and run sobol with 512 or more")]
    return []


def _noise(Y: np.ndarray, ym: np.ndarray) -> dict:
    """How much of the variance of the point means is replication noise. Under common
    random numbers a replication's shared effect (the same at every point) cancels out of
    every comparison between points, so the noise is the point x replication interaction:
    its mean square over (P - 1)(R - 1) degrees of freedom, divided by R (two-way ANOVA
    without replication, on the points with every replication)."""
    reps = Y.shape[1]
    var_means = float(np.var(ym, ddof=1)) if len(ym) > 1 else math.nan
    full = Y[np.isfinite(Y).all(axis=1)]
    if reps < 2 or len(full) < 2:
        return {"variance_of_point_means": var_means, "noise_variance_of_means": math.nan,
                "noise_share": math.nan}
    resid = (full - full.mean(axis=1, keepdims=True) - full.mean(axis=0, keepdims=True)
             + full.mean())
    ms_inter = float((resid ** 2).sum() / ((len(full) - 1) * (reps - 1)))
    noise = ms_inter / reps
    share = min(1.0, noise / var_means) if var_means > 0 else math.nan
    return {"variance_of_point_means": var_means, "noise_variance_of_means": noise,
            "noise_share": share}


def write(analysis: Analysis, out: str | Path) -> list[Path]:
    """``indices.csv`` and ``indices.json`` in ``out``, atomically."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "indices.csv", analysis.table.to_csv(index=False))
    recs = json.loads(analysis.table.to_json(orient="records"))
    write_text_atomic(out / "indices.json", dumps({**analysis.facts, "indices": recs}))
    return [out / "indices.csv", out / "indices.json"]


__all__ = ["analyze", "write", "Analysis", "COLUMNS"]


def ensure_indices(folder: str | Path) -> Path | None:
    """Analyse a sweep folder that has no indices yet (its figures and report show them);
    the indices file written, or None if there was nothing to do."""
    d = Path(folder)
    if (d / "sweep.json").is_file() and not (d / "manifest.json").exists() \
            and not (d / "indices.csv").exists():
        write(analyze(d), d)
        return d / "indices.csv"
    return None
