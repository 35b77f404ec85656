"""Calibration, first part: the simulated value of every target, the objective, and a point
fit of the free parameters.

The objective is the weighted sum of squared z-scores, ``sum w ((sim - value) / sigma)^2``,
with ``sim`` the mean over ``replications`` replications run with the same seed at every
evaluation (common random numbers), so that it changes smoothly with the parameters and a
derivative-free optimiser (bounded Powell, on parameters scaled to [0, 1]) can follow it.
Every evaluation is appended to ``evaluations.jsonl`` in the output folder as it
completes; a rerun with the same inputs reads them back instead of simulating again, so an
interrupted fit resumes where it stopped (a folder of other inputs is refused:
:mod:`sim.study.calibration.folder`).

The uncertainty (:func:`abc_around`) is rejection ABC around the fit: parameter sets drawn
by Latin hypercube from each parameter's prior within a box around the point fit (a share
of each parameter's range), each scored like the fit (same seed, same replications), kept
when the objective is within the 95 % quantile of its distribution where the fit is right
(:func:`abc_threshold`). There ``sim - value`` errs by the published standard error and by
the simulation's own noise in a mean of R replications, so target i's term is
``w_i (1 + s_i^2 / (R sigma_i^2))`` times a chi-square(1), with ``s_i`` its sd between
replications pooled over the draws (:func:`noise_allowance`).

The folder's ``manifest.json`` says it is a calibration (``kind``), for ``corridor plot``
and ``corridor report``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from sim.io.atomic import write_parquet_atomic, write_text_atomic
from sim.io.bundle import dumps
from sim.io.manifest import provenance, read_manifest
from sim.measure.stats import t_interval
from sim.scenario.loading import load_scenario, resolved_dict
from sim.scenario.problems import ConfigError, Problem, did_you_mean
from sim.scenario.schema import Scenario
from sim.study.calibration.folder import (
    calibration_inputs,
    earlier_inputs,
    fingerprint,
    keep,
    prepare_folder,
)
from sim.study.calibration.inputs import Parameter, Parameters, Targets
from sim.study.parameters import number_at
from sim.study.replications import run


@dataclass
class Fit:
    params: dict[str, float]           # parameter id -> fitted value
    objective: float
    evaluations: int
    report: list[dict]                 # per target: value, sim mean, CI, residual, z
    converged: bool = True             # False: stopped at the budget
    inputs: dict = field(default_factory=dict)  # what the evaluations depend on (folder.py)


def simulated(kpis, target) -> tuple[float, float, float, list[float]]:
    """A target's simulated mean, 95 % interval and per-replication values from a run's
    KPI table (a relative change is taken replication by replication)."""

    def values(period: str) -> np.ndarray:
        m = kpis[(kpis.name == target.kpi) & (kpis.period == period)
                 & (kpis.scope == target.scope)]
        if m.empty:
            return np.array([math.nan])
        return np.array(m.iloc[0]["values"], float)

    v = values(target.period)
    if target.relative_to:
        v = v / values(target.relative_to) - 1.0
    m, lo, hi, _n = t_interval(v)
    return m, lo, hi, v.tolist()


def unreported(kpis, targets: Targets) -> list[Problem]:
    """The targets whose KPI, scope and year a run's KPI table has no row for (a scope
    that names something in the scenario, but nothing this KPI is reported for)."""
    problems = []
    for tid, t in targets.targets.items():
        for period in (t.period, t.relative_to):
            if period is None:
                continue
            rows = kpis[(kpis.name == t.kpi) & (kpis.period == period)]
            if not (rows.scope == t.scope).any():
                problems.append(Problem(targets.shown, f"targets.{tid}.scope", f"the base "
                                        f"scenario reports no {t.kpi} for '{t.scope}' in "
                                        f"{period} ({did_you_mean(t.scope, set(rows.scope))})"))
                break
    return problems


def evaluate(base: Scenario, base_path: Path, params: Parameters, theta: dict[str, float],
             targets: Targets, seed: int, replications: int, workers: int,
             check: bool = False) -> dict:
    """Run the base scenario with the parameters set to ``theta`` and score the targets
    (``check``: ConfigError if the run reports nothing for a target)."""
    overrides = {path: float(v) for pid, v in theta.items()
                 for path in params.parameters[pid].paths}
    scenario = load_scenario(base_path, overrides=overrides)
    res = run(scenario, seed=seed, replications=replications, keep_containers=False,
              workers=workers)
    if check and (problems := unreported(res.kpis, targets)):
        raise ConfigError(problems)
    report, objective = [], 0.0
    for tid, t in targets.targets.items():
        m, lo, hi, vals = simulated(res.kpis, t)
        z = (m - t.value) / t.sigma if math.isfinite(m) else math.nan
        if t.weight and math.isfinite(z):
            objective += t.weight * z * z
        elif t.weight:
            objective = math.inf  # a weighted target the model does not produce
        report.append({"target": tid, "kpi": t.kpi, "period": t.period, "scope": t.scope,
                       "relative_to": t.relative_to, "unit": t.unit, "role": t.role,
                       "weight": t.weight, "value": t.value, "sigma": t.sigma,
                       "simulated_mean": m, "ci95": [lo, hi], "values": vals,
                       "residual": m - t.value, "z": z, "definition": t.definition,
                       "source": t.source})
    return {"theta": theta, "objective": objective, "report": report}


def _key(theta: dict[str, float]) -> str:
    return hashlib.sha256(json.dumps(theta, sort_keys=True).encode()).hexdigest()[:16]


def _evaluations(base: Scenario, base_path: Path, params: Parameters, targets: Targets,
                 out: Path, seed: int, replications: int, workers: int, restart: bool
                 ) -> tuple[dict, Callable[..., dict]]:
    """The calibration's inputs, once ``out`` is checked to hold none but theirs, and its
    evaluation of a parameter set: read back from ``evaluations.jsonl``, or run
    (:func:`evaluate`, ``check`` as there) and appended to it as it completes."""
    inputs = calibration_inputs(targets, params, resolved_dict(base), seed, replications)
    prepare_folder(out, inputs, restart, earlier_inputs(targets, inputs))
    first = _manifest(base_path, params, None, seed, replications,
                      ["manifest.json", "evaluations.jsonl"], inputs)
    done = _read_log(out / "evaluations.jsonl")

    def evaluated(theta: dict[str, float], check: bool = False) -> dict:
        k = _key(theta)
        rec = done.get(k)
        if rec is None:
            rec = evaluate(base, base_path, params, theta, targets, seed, replications,
                           workers, check=check)
            done[k] = rec
            keep(out, rec, first)
        return rec

    return inputs, evaluated


def described(report: list[dict], targets: Targets) -> list[dict]:
    """A logged evaluation's report with each target's unit, role, definition and source as
    the targets say them now (the score does not read them: a folder resumes after they
    are edited, and its log may hold older words)."""
    return [{**r, **{k: getattr(targets.targets[r["target"]], k)
                     for k in ("unit", "role", "definition", "source")}} for r in report]


def fit(base_path: str | Path, params: Parameters, targets: Targets, out: str | Path,
        seed: int = 1, replications: int = 3, budget: int = 60, workers: int = 1,
        progress: bool = False, restart: bool = False) -> Fit:
    """Fit the free parameters to the targets (bounded Powell on [0, 1]-scaled
    parameters), at most ``budget`` evaluations; resumable from ``out`` when it holds a
    calibration of the same inputs (``restart``: discard one of other inputs). ConfigError
    if ``out`` cannot hold it, or if the first run reports nothing for a target."""
    from scipy.optimize import minimize  # scipy loaded only when fitting

    base_path = Path(base_path)
    base = load_scenario(base_path)
    out = Path(out)
    inputs, evaluated = _evaluations(base, base_path, params, targets, out, seed,
                                     replications, workers, restart)
    ids = list(params.parameters)
    lo = np.array([params.parameters[p].low for p in ids])
    hi = np.array([params.parameters[p].high for p in ids])
    data = resolved_dict(base)
    start = (np.array([number_at(data, params.parameters[p].paths[0])[0] for p in ids])
             - lo) / (hi - lo)
    best: dict = {}
    bar = tqdm(total=budget, unit="evaluation", desc="calibrate",
               disable=None if progress else True, leave=False)
    count = 0

    def objective(x: np.ndarray) -> float:
        nonlocal count
        x = np.clip(x, 0.0, 1.0)
        theta = {p: round(float(lo[i] + x[i] * (hi[i] - lo[i])), 10)
                 for i, p in enumerate(ids)}
        rec = evaluated(theta, check=not count)
        count += 1
        bar.update(1)
        if not best or rec["objective"] < best["objective"]:
            best.clear()
            best.update(rec)
        return rec["objective"]

    try:
        res = minimize(objective, start, method="Powell", bounds=[(0.0, 1.0)] * len(ids),
                       options={"maxfev": budget, "xtol": 1e-3, "ftol": 1e-4})
    finally:
        bar.close()
    return Fit(best["theta"], best["objective"], count, described(best["report"], targets),
               converged=bool(res.success), inputs=inputs)


def abc_around(result: Fit, base_path: str | Path, params: Parameters, targets: Targets,
               out: str | Path, n: int = 40, box: float = 0.25, seed: int = 1,
               replications: int = 3, workers: int = 1, progress: bool = False):
    """Rejection ABC around the point fit: ``n`` Latin-hypercube draws from each
    parameter's prior restricted to the box of half-width ``box`` x range around the fit
    (clipped to the bounds; :func:`prior_values`), scored with the fit's seed and
    replications (logged and resumed like the fit). Returns a DataFrame: one row per draw
    with its parameters, objective and ``accepted``; also written to
    ``posterior.parquet``."""
    from scipy.stats import qmc  # scipy loaded only when fitting

    base_path, out = Path(base_path), Path(out)
    base = load_scenario(base_path)
    _, evaluated = _evaluations(base, base_path, params, targets, out, seed, replications,
                                workers, restart=False)
    ids = list(params.parameters)
    lo = np.array([params.parameters[p].low for p in ids])
    hi = np.array([params.parameters[p].high for p in ids])
    centre = np.array([result.params[p] for p in ids])
    a = np.maximum(lo, centre - box * (hi - lo))
    b = np.minimum(hi, centre + box * (hi - lo))
    u = qmc.LatinHypercube(d=len(ids), seed=np.random.default_rng(seed)).random(n)
    values = np.column_stack([prior_values(params.parameters[p], u[:, i], a[i], b[i])
                              for i, p in enumerate(ids)])
    rows, records = [], []
    for x in tqdm(values, unit="draw", desc="ABC", disable=None if progress else True,
                  leave=False):
        theta = {p: round(float(x[i]), 10) for i, p in enumerate(ids)}
        rec = evaluated(theta)
        records.append(rec)
        rows.append({**theta, "objective": rec["objective"]})
    weighted = [tid for tid, t in targets.targets.items() if t.weight > 0]
    weights = [targets.targets[tid].weight for tid in weighted]
    noise = noise_allowance(records, targets, replications)
    published = abc_threshold(weights)
    threshold = published if noise is None else abc_threshold(
        weights, allowances=[noise[tid]["allowance"] for tid in weighted])
    import pandas as pd
    post = pd.DataFrame(rows)
    post["accepted"] = post.objective <= threshold
    abc = {"threshold": threshold, "threshold_published_errors": published,
           "noise": None if noise is None else {"replications": replications,
                                                "pooled_over_draws": n, "targets": noise},
           "draws": n, "accepted": int(post.accepted.sum()), "box": box}
    post.attrs.update(threshold=threshold, threshold_published_errors=published,
                      noise_replications=None if noise is None else replications)
    write_parquet_atomic(post, out / "posterior.parquet")
    write_text_atomic(out / "posterior.json", dumps({
        "paths": {p: params.parameters[p].paths for p in ids}, **abc,
        "priors": {p: params.parameters[p].prior for p in ids}}))
    _add_to_manifest(out, ["posterior.parquet", "posterior.json"])
    if (out / "report.json").exists():  # the fit's report (write_outputs): add the ABC
        _write_report(out, result, abc)
    return post


def noise_allowance(records: list[dict], targets: Targets, replications: int
                    ) -> dict[str, dict] | None:
    """What the simulation's own noise adds to each weighted target's term of the
    objective where the fit is right. The term is ``w ((m - value) / sigma)^2`` with ``m``
    the mean of R replications; ``m - value`` then has variance ``sigma^2 + s^2 / R`` (the
    published error and the mean's noise, ``s`` the sd between replications), so the term
    is ``w (1 + s^2 / (R sigma^2))`` times a chi-square(1).

    ``s^2`` is pooled over ``records`` (ABC passes its draws, all within the box where the
    threshold applies): the evaluations' variances between their per-replication
    ``values``, weighted by their degrees of freedom (a draw's own 2 with 3 replications
    would make each draw's threshold a lottery). The draws share their seed (common random
    numbers), so the pooled estimate is steadier than one draw's but rests on fewer
    independent numbers than its count.

    Per weighted target: its ``weight``, ``sd`` (s; None when no evaluation has two
    finite values of it), ``sigma`` and ``allowance`` (``s^2 / (R sigma^2)``; 0 without an
    estimate). None when no target has an estimate (one replication per evaluation)."""
    out: dict[str, dict] = {}
    for tid, t in targets.targets.items():
        if t.weight <= 0:
            continue
        df = ss = 0.0
        for rec in records:
            row: dict = next((r for r in rec.get("report", []) if r.get("target") == tid),
                             {})
            v = np.asarray(row.get("values") or [], float)
            v = v[np.isfinite(v)]
            if len(v) > 1:
                df += len(v) - 1
                ss += float(np.sum((v - v.mean()) ** 2))
        sd = math.sqrt(ss / df) if df else None
        out[tid] = {"weight": t.weight, "sd": sd, "sigma": t.sigma,
                    "allowance": 0.0 if sd is None else sd * sd / (replications * t.sigma ** 2)}
    return out if any(v["sd"] is not None for v in out.values()) else None


def abc_threshold(weights: list[float], level: float = 0.95,
                  allowances: list[float] | None = None) -> float:
    """The ``level`` quantile of the objective where the fit is right: a weighted sum
    ``sum w' chi2(1)``, one term per weighted target, ``w' = w (1 + a)`` with ``a`` the
    target's allowance for the simulation's noise in its mean (:func:`noise_allowance`;
    none given: 0, the published errors alone). With every ``w'`` 1 it is the chi-square
    quantile with as many degrees of freedom as targets; otherwise Satterthwaite's scaled
    chi-square with the same mean and variance (``c chi2(nu)``, c = sum w'^2 / sum w',
    nu = (sum w')^2 / sum w'^2). The plain chi-square with as many degrees of freedom as
    targets overstated it where weights are below 1: 22.4 against 12.7 for the
    calibration's thirteen targets weighted 1 to 0.25, so ABC kept draws the targets
    reject; leaving out the noise (until 2026-12) understated it."""
    from scipy.stats import chi2  # scipy loaded only when fitting

    w = np.asarray(weights, float)
    if allowances is not None:
        w = w * (1.0 + np.asarray(allowances, float))
    c, nu = float(np.sum(w * w) / np.sum(w)), float(np.sum(w) ** 2 / np.sum(w * w))
    return c * float(chi2.ppf(level, nu))


def prior_values(prm: Parameter, u: np.ndarray, a: float, b: float) -> np.ndarray:
    """Values of a parameter at the quantiles ``u`` (in [0, 1)) of its prior restricted
    to ``[a, b]``: uniform, uniform in the logarithm (loguniform) or a normal truncated
    to the interval."""
    if prm.prior == "loguniform":
        return np.exp(np.log(a) + u * (np.log(b) - np.log(a)))
    if prm.prior == "normal":
        from scipy.stats import truncnorm  # scipy loaded only when fitting
        assert prm.mean is not None and prm.sd is not None  # the schema asks for both
        return truncnorm.ppf(u, (a - prm.mean) / prm.sd, (b - prm.mean) / prm.sd,
                             loc=prm.mean, scale=prm.sd)
    return a + u * (b - a)


def posterior_draws(folder: str | Path, k: int) -> list[dict[str, float]]:
    """Up to ``k`` accepted draws of a calibration folder, as {dotted path: value},
    spread evenly over the accepted ones (in draw order). ConfigError if there are none."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "posterior.json").read_text(encoding="utf-8"))
        import pandas as pd
        post = pd.read_parquet(folder / "posterior.parquet")
    except (OSError, ValueError) as e:
        raise ConfigError([Problem(str(folder), "--posterior", "not a calibration folder "
                                   f"with a posterior (run 'corridor calibrate ... --abc N'): "
                                   f"{type(e).__name__}")]) from None
    kept = post[post.accepted]
    if kept.empty:
        raise ConfigError([Problem(str(folder / "posterior.parquet"), "accepted",
                                   "no draw was accepted; widen --abc-box or add draws")])
    pick = np.unique(np.linspace(0, len(kept) - 1, min(k, len(kept))).round().astype(int))
    paths = {p: [v] if isinstance(v, str) else v for p, v in meta["paths"].items()}
    return [{path: float(row[p]) for p in paths for path in paths[p]}
            for _, row in kept.iloc[pick].iterrows()]


def _read_log(log: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut short by an interruption: evaluated again
            done[_key(rec["theta"])] = rec
    return done


def _value_at(scenario: Scenario, path: str) -> float:
    """The number at a dotted path of a scenario (paths checked by load_parameters)."""
    return number_at(resolved_dict(scenario), path)[0]


CALIBRATION_FILES = ["manifest.json", "evaluations.jsonl", "report.json", "report.md",
                     "calibrated.toml"]


def _manifest(base_path: str | Path, params: Parameters, command: list[str] | None,
              seed: int | None, replications: int | None, files: list[str],
              inputs: dict) -> dict:
    """``manifest.json`` of a calibration folder: its kind (what ``corridor plot`` and
    ``corridor report`` look for), the base scenario and the parameters file (resolved, as
    a sweep's and an optimisation's spec, so that they are found from any working
    directory), seed, replications, the free parameters with their bounds, the inputs the
    evaluations depend on and their fingerprint (what a resumed calibration must match),
    the code version and the files."""
    return {
        "kind": "calibration", "bundle_format": 1,
        "base_scenario": str(Path(base_path).resolve()),
        **({"parameters_path": str(params.path.resolve())} if params.path else {}),
        "seed": seed, "replications": replications, **provenance(command),
        "parameters": {pid: {"paths": p.paths, "low": p.low, "high": p.high,
                             "prior": p.prior} for pid, p in params.parameters.items()},
        **({"inputs": inputs, "fingerprint": fingerprint(inputs)} if inputs else {}),
        "files": files}


def write_manifest(out: Path, base_path: str | Path, params: Parameters,
                   command: list[str] | None, seed: int | None, replications: int | None,
                   files: list[str], inputs: dict | None = None) -> None:
    """Write ``manifest.json`` of a calibration folder (:func:`_manifest`)."""
    write_text_atomic(out / "manifest.json", dumps(_manifest(
        base_path, params, command, seed, replications, files, inputs or {})))


def _add_to_manifest(out: Path, names: list[str]) -> None:
    """List more files in a calibration folder's manifest (if it has one)."""
    try:
        man = read_manifest(out / "manifest.json")
    except (OSError, ValueError):
        return
    man["files"] = [*man.get("files", []), *(n for n in names if n not in man.get("files", []))]
    write_text_atomic(out / "manifest.json", dumps(man))


def write_outputs(result: Fit, base_path: str | Path, params: Parameters, out: str | Path,
                  command: list[str] | None = None, save: str | Path | None = None,
                  seed: int | None = None, replications: int | None = None) -> None:
    """``report.json``, ``report.md``, ``calibrated.toml`` (a scenario that extends the
    base with the fitted values) and ``manifest.json`` in ``out``."""
    out = Path(out)
    write_manifest(out, base_path, params, command, seed, replications, CALIBRATION_FILES,
                   result.inputs)
    _write_report(out, result)
    base = load_scenario(base_path)
    for target in [out / "calibrated.toml", *([Path(save)] if save else [])]:
        rel = os.path.relpath(Path(base_path).resolve(), target.parent.resolve())
        write_text_atomic(target, (
            f"# Written by corridor calibrate on {dt.date.today()}"
            + (f": {' '.join(command)}" if command else "") + "\n"
            f"# objective {result.objective:.4g} after {result.evaluations} evaluations; "
            f"report: {out / 'report.md'}\n"
            f'extends = {json.dumps(rel)}\nname = "calibrated"\n'
            "description = " + json.dumps(
                f"{base.name} with its free parameters fitted to the targets by corridor "
                f"calibrate ({result.evaluations} evaluations; report: "
                f"{out / 'report.md'})") + "\n\n"
            f"# fitted values of the free parameters ({params.shown})\n"
            + _as_toml(result.params, params, base)))


def _write_report(out: Path, result: Fit, abc: dict | None = None) -> None:
    """``report.json`` and ``report.md`` of the fit and, after ABC, its threshold with
    the allowance for the simulation's noise (``abc``: what ``posterior.json`` says)."""
    write_text_atomic(out / "report.json", dumps({
        "objective": result.objective, "evaluations": result.evaluations,
        "converged": result.converged, "parameters": result.params,
        "targets": result.report, **({"abc": abc} if abc else {})}))
    write_text_atomic(out / "report.md", report_markdown(result, abc))


def _num(v: float | None, sign: bool = False) -> str:
    """A number of the report: whole with thousands separators from 100, else 3
    significant digits; ``sign``: with its sign; NaN or none as '–'."""
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:+,.0f}" if sign and abs(v) >= 100 else f"{v:,.0f}" if abs(v) >= 100 else (
        f"{v:+.3g}" if sign else f"{v:.3g}")


def _z(z: float | None) -> str:
    return "–" if z is None or not math.isfinite(z) else f"{z:+.2f}"


def report_markdown(result: Fit, abc: dict | None = None) -> str:
    """``report.md``: the objective and whether the fit converged, each target's weight,
    published value with its band and simulated mean with its 95 % interval, in the
    target's unit, the definition of every target missed by more than 2 standard
    errors and, after ABC (``abc``), its threshold (:func:`abc_markdown`)."""
    lines = ["| target | weight | published ± 2 SE | simulated mean [95 % CI] | unit | residual "
             "| z |", "|---|---:|---:|---:|---|---:|---:|"]
    misses, single = [], False
    for r in result.report:
        lo, hi = r["ci95"]
        single |= len(r.get("values") or []) < 2
        ci_s = "" if lo is None or not math.isfinite(lo) else f" [{_num(lo)}, {_num(hi)}]"
        lines.append(f"| {r['target']} ({r['role']}) | {r['weight']:g} | {_num(r['value'])} ± "
                     f"{_num(2 * r['sigma'])} | {_num(r['simulated_mean'])}{ci_s} | "
                     f"{r['unit']} | {_num(r['residual'], sign=True)} | {_z(r['z'])} |")
        if not abs(r["z"]) <= 2:
            unfitted = "" if r["weight"] else "; weight 0: shown, not fitted"
            misses.append(f"- **{r['target']}** (z {_z(r['z'])}{unfitted}): "
                          f"{r.get('definition', '')}")
    status = ("converged" if result.converged else "stopped at the budget before "
              "converging: a larger --budget with the same command goes on from here")
    return "\n".join(
        ["# Calibration report", "", f"objective {result.objective:.4g} (the weighted sum of "
         f"squared z-scores) after {result.evaluations} evaluations; {status}", "", *lines,
         *(["", "No interval: one replication per evaluation (--replications 2 or more "
            "gives one)."] if single else []), "",
         *(["Targets missed by more than 2 standard errors, and why the model's KPI and "
            "the published figure differ:", "", *misses, ""] if misses else []),
         *(abc_markdown(abc) if abc else [])])


def abc_markdown(abc: dict) -> list[str]:
    """The ABC part of ``report.md``: the draws kept, the threshold, what it would be on
    the published errors alone, and each target's allowance for the simulation's
    noise."""
    head = (f"{abc['accepted']} of {abc['draws']} draws kept: objective within the 95 % "
            f"threshold {abc['threshold']:.4g}")
    published = abc["threshold_published_errors"]
    noise = abc.get("noise")
    if not noise:
        return ["## ABC", "", f"{head}, from the published standard errors alone (one "
                "replication per evaluation gives no estimate of the simulation's noise).",
                ""]
    lines = ["## ABC", "", f"{head}: {published:.4g} from the published standard errors "
             f"alone, raised by {abc['threshold'] / published - 1:.1%} for the simulation's "
             f"own noise in the mean of {noise['replications']} replications. Each target "
             "counts as w (1 + s² / (R SE²)) chi-square(1), s its sd between replications "
             f"pooled over the {noise['pooled_over_draws']} draws (Satterthwaite's scaled "
             "chi-square of the sum):", "",
             "| target | weight | SE | sd between replications | allowance s² / (R SE²) |",
             "|---|---:|---:|---:|---:|"]
    for tid, v in noise["targets"].items():
        lines.append(f"| {tid} | {v['weight']:g} | {_num(v['sigma'])} | "
                     f"{_num(v['sd'])} | {v['allowance']:.3f} |")
    return [*lines, ""]


def _as_toml(values: dict[str, float], params: Parameters, base: Scenario) -> str:
    """The fitted values as dotted keys; a distribution's parameter is written with the
    whole distribution (a child replaces a distribution whole)."""
    data = resolved_dict(base)
    lines: list[str] = []
    dists: dict[str, dict] = {}
    for pid, v in values.items():
        for path in params.parameters[pid].paths:
            head, _, leaf = path.rpartition(".")
            node = data
            for part in head.split(".") if head else []:
                node = node[part]
            if isinstance(node, dict) and "dist" in node:
                dists.setdefault(head, dict(node))[leaf] = v
            else:
                lines.append(f"{_dotted_key(path)} = {v!r}")
    for head, dist in dists.items():
        inner = ", ".join(f"{k} = {json.dumps(x)}" for k, x in dist.items())
        lines.append(f"{_dotted_key(head)} = {{ {inner} }}")
    return "\n".join(lines) + "\n"


def _dotted_key(path: str) -> str:
    return ".".join(p if p.replace("_", "").replace("-", "").isalnum() else json.dumps(p)
                    for p in path.split("."))
