"""Sensitivity indices from a finished sweep folder (``corridor analyze``).

Per output, on the replication means of each design point (all points share their random
numbers, replication by replication):

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

from sim.scenario.problems import ConfigError, Problem
from sim.study.sweeps import SweepSpec, read_sweep_folder, salib_problem

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
    rows, facts = [], {"method": spec.method, "points": n_pts, "replications": reps,
                       "outputs": {}}
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
        if len(empty) and (spec.method in ("sobol", "morris", "oat")
                           or n_pts - len(empty) < 3):
            first = runs[runs.point == empty[0]]
            why = (first.error.iloc[0] if len(first) and first.error.iloc[0]
                   else "the KPI is missing there")
            raise ConfigError([Problem(shown, col, f"{len(empty)} design point(s) have no "
                                       f"value (e.g. point {empty[0]}: {why}); "
                                       f"{spec.method} needs "
                                       + ("every point" if spec.method in ("sobol", "morris",
                                                                           "oat")
                                          else "at least 3 points")
                                       + f": rerun 'corridor sweep SPEC --out {folder} "
                                       "--retry-failed'")])
        keep = np.setdiff1d(np.arange(n_pts), empty)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows handled above
            ym = np.nanmean(Y, axis=1)
        noise = _noise(Y[keep], ym[keep])
        out_rows = _indices(spec, meta, design, unit, values, Y, ym, keep, resamples)
        out_rows.append((NOISE, "noise_share", noise["noise_share"], math.nan, math.nan,
                         math.nan, math.nan))
        rows += [(col, spec.method, *r) for r in out_rows]
        facts["outputs"][col] = {"kpi": o["kpi"], "scope": o["scope"], "period": o["period"],
                                 "unit": o.get("unit", ""),
                                 "points_used": int(len(keep)),
                                 "runs_failed": int((runs.status != "ok").sum()),
                                 **noise}
    return Analysis(spec.method, pd.DataFrame(rows, columns=COLUMNS), facts)


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


def _indices(spec: SweepSpec, meta: dict, design: pd.DataFrame, unit: np.ndarray,
             values: np.ndarray, Y: np.ndarray, ym: np.ndarray, keep: np.ndarray,
             resamples: int) -> list[tuple]:
    if spec.method == "sobol":
        return _sobol(spec, Y, ym, resamples)
    if spec.method == "morris":
        return _morris(spec, unit, Y, ym, resamples)
    if spec.method == "oat":
        return _oat(meta, design, values, Y)
    return _correlations(meta, values[keep], Y[keep], ym[keep])


def _quiet(fn, *args, **kw):
    """A SALib call with its numerical warnings (constant outputs) silenced: those
    indices come out NaN and are reported as such."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _sobol(spec: SweepSpec, Y, ym, resamples) -> list[tuple]:
    from SALib.analyze import sobol
    problem = salib_problem(spec)

    def si(y, n=resamples):
        return _quiet(sobol.analyze, problem, y, calc_second_order=spec.second_order,
                      num_resamples=n, conf_level=0.95, seed=spec.seed)

    res = si(ym)
    factors = _factor_names(problem)
    per_rep = {}
    if Y.shape[1] > 1:
        per_rep = {r: si(Y[:, r], 2) for r in range(Y.shape[1]) if np.isfinite(Y[:, r]).all()}
    rows = []
    for key in ("S1", "ST"):
        for k, f in enumerate(factors):
            v, c = float(res[key][k]), float(res[key + "_conf"][k])
            reps = [float(d[key][k]) for d in per_rep.values()]
            rows.append((f, key, v, v - c, v + c, *(_span(reps))))
    if spec.second_order:
        for a in range(len(factors)):
            for b in range(a + 1, len(factors)):
                v, c = float(res["S2"][a, b]), float(res["S2_conf"][a, b])
                rows.append((f"{factors[a]} x {factors[b]}", "S2", v, v - c, v + c,
                             math.nan, math.nan))
    return rows


def _span(vals: list[float]) -> tuple[float, float]:
    vals = [v for v in vals if v == v]
    return (min(vals), max(vals)) if vals else (math.nan, math.nan)


def _factor_names(problem: dict) -> list[str]:
    if "groups" not in problem:
        return list(problem["names"])
    return list(dict.fromkeys(problem["groups"]))


def _morris(spec: SweepSpec, unit, Y, ym, resamples) -> list[tuple]:
    from SALib.analyze import morris
    problem = salib_problem(spec)

    def mo(y, n=resamples):
        return _quiet(morris.analyze, problem, unit, y, num_resamples=n, conf_level=0.95,
                      num_levels=spec.levels, seed=spec.seed)

    res = mo(ym)
    per_rep = [mo(Y[:, r], 2) for r in range(Y.shape[1])] if Y.shape[1] > 1 else []
    rows = []
    for k, f in enumerate(_factor_names(problem)):
        ms, c = float(res["mu_star"][k]), float(res["mu_star_conf"][k])
        rows.append((f, "mu_star", ms, ms - c, ms + c,
                     *_span([float(d["mu_star"][k]) for d in per_rep])))
        rows.append((f, "sigma", float(res["sigma"][k]), math.nan, math.nan,
                     *_span([float(d["sigma"][k]) for d in per_rep])))
        rows.append((f, "mu", float(res["mu"][k]), math.nan, math.nan,
                     *_span([float(d["mu"][k]) for d in per_rep])))
    return rows


def _oat(meta: dict, design: pd.DataFrame, values: np.ndarray, Y: np.ndarray) -> list[tuple]:
    from sim.measure.stats import t_interval
    varied = design["varied"].to_numpy()
    base = int(np.flatnonzero(varied == "")[0])
    m, a, b, _n = t_interval(Y[base])
    rows = [("(base)", "y_base", m, a, b, *_span(list(Y[base])))]
    for j, p in enumerate(meta["parameters"]):
        pts = np.concatenate([[base], np.flatnonzero(varied == p["name"])])
        order = pts[np.argsort(values[pts, j], kind="stable")]
        lo, hi = int(order[0]), int(order[-1])
        x_lo, x_hi, x0 = values[lo, j], values[hi, j], values[base, j]
        y0 = float(np.nanmean(Y[base]))
        swing = Y[hi] - Y[lo]                       # paired: same random numbers
        for name, pt in (("y_low", lo), ("y_high", hi)):
            # the interval is the paired one of the change from the base run, around the
            # level: what the tornado's whiskers show (the level's own spread across
            # replications is mostly noise shared with the base run)
            d, a, b, _n = t_interval(Y[pt] - Y[base])
            m = float(np.nanmean(Y[pt]))
            rows.append((p["name"], name, m, y0 + a if a == a else m, y0 + b if b == b else m,
                         *_span(list(Y[pt]))))
        m, a, b, _n = t_interval(swing)
        rows.append((p["name"], "swing", m, a, b, *_span(list(swing))))
        scale = (x_hi - x_lo) / x0 * y0 if x0 and y0 else math.nan
        el = [v / scale for v in (m, a, b)] if scale == scale else [math.nan] * 3
        if scale == scale and scale < 0:
            el[1], el[2] = el[2], el[1]
        rows.append((p["name"], "elasticity", *el,
                     *_span([v / scale for v in swing] if scale == scale else [])))
    return rows


def _correlations(meta: dict, X: np.ndarray, Y: np.ndarray, ym: np.ndarray) -> list[tuple]:
    from scipy.stats import spearmanr
    n = len(ym)
    rows = []
    names = [p["name"] for p in meta["parameters"]]

    def rho(y, j):
        if np.ptp(X[:, j]) == 0 or np.ptp(y) == 0:
            return math.nan
        return float(spearmanr(X[:, j], y).statistic)

    for j, name in enumerate(names):
        r = rho(ym, j)
        lo = hi = math.nan
        if n > 3 and abs(r) < 1:   # Fisher z with the Bonett-Wright variance for Spearman
            z, se = math.atanh(r), 1.96 * math.sqrt((1 + r * r / 2) / (n - 3))
            lo, hi = math.tanh(z - se), math.tanh(z + se)
        reps = [rho(Y[:, k], j) for k in range(Y.shape[1])] if Y.shape[1] > 1 else []
        rows.append((name, "spearman", r, lo, hi, *_span(reps)))
    # standardised regression coefficients (linear model on standardised inputs)
    sd = X.std(axis=0)
    use = sd > 0
    if ym.std() > 0 and use.any() and n > use.sum() + 1:
        Z = (X[:, use] - X[:, use].mean(axis=0)) / sd[use]
        zy = (ym - ym.mean()) / ym.std()
        coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(n), Z]), zy, rcond=None)
        fitted = np.column_stack([np.ones(n), Z]) @ coef
        r2 = 1 - float(((zy - fitted) ** 2).sum() / (zy ** 2).sum())
        src = dict(zip(np.array(names)[use], coef[1:]))
        for name in names:
            rows.append((name, "src", float(src.get(name, math.nan)), math.nan, math.nan,
                         math.nan, math.nan))
        rows.append(("(linear model)", "r2", r2, math.nan, math.nan, math.nan, math.nan))
    return rows


def write(analysis: Analysis, out: str | Path) -> list[Path]:
    """``indices.csv`` and ``indices.json`` in ``out``, atomically."""
    from sim.io.atomic import write_text_atomic
    from sim.io.bundle import dumps
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "indices.csv", analysis.table.to_csv(index=False))
    recs = json.loads(analysis.table.to_json(orient="records"))
    write_text_atomic(out / "indices.json", dumps({**analysis.facts, "indices": recs}))
    return [out / "indices.csv", out / "indices.json"]


__all__ = ["analyze", "write", "Analysis", "COLUMNS"]
