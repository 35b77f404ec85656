"""An optimisation's folder (``--out``): ``manifest.json`` (kind 'optimization': the spec,
its fingerprint, counts), ``evaluations.sqlite`` (the store: candidates and runs, as they
finish), ``evaluations.parquet`` (one row per candidate and stage: decisions, cost,
per-replication output values, means and intervals, objective, constraint slacks,
feasibility), ``best.json`` and ``best.md`` (the best bundle with its intervals and the
constraints that bind; in pareto mode the front too) and, in pareto mode,
``pareto.csv``. Every file but the store is replaced atomically at the end of every
invocation (and when one is interrupted).

:func:`prepare_folder` creates a folder, or checks that it holds this optimisation
(resume: the fingerprints agree), or clears it (restart).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim import __version__
from sim.io.atomic import write_parquet_atomic, write_text_atomic
from sim.io.best import binds_text
from sim.io.bundle import dumps
from sim.io.manifest import git_commit
from sim.study.folders import StudyFolder, prepare_study_folder, spec_changes
from sim.study.optimize.evaluate import Evaluation, binding, pareto_front, ranked
from sim.study.optimize.schema import OPTIMIZE_FORMAT
from sim.study.optimize.search import redundant_choices

if TYPE_CHECKING:
    from sim.study.optimize.spec import Optimization

FOLDER_FILES = ("manifest.json", "evaluations.sqlite", "evaluations.sqlite-wal",
                "evaluations.sqlite-shm", "evaluations.parquet", "best.json", "best.md",
                "pareto.csv", "report.html")
STUDY = StudyFolder("optimization", "optimisation", "manifest.json", FOLDER_FILES)


def prepare_folder(opt: Optimization, out: Path, restart: bool) -> None:
    """Create ``out``, or check that it holds this optimisation (resume), or clear it
    (restart): :func:`prepare_study_folder`."""
    prepare_study_folder(out, STUDY, opt.fingerprint, lambda old: spec_changes(
        old, opt.base_config_hash, opt.written), restart)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "manifest.json").exists():
        write_text_atomic(out / "manifest.json", dumps(manifest(opt, None, None)))


def manifest(opt: Optimization, status: dict | None, command: list[str] | None) -> dict:
    """The contents of ``manifest.json``."""
    spec = opt.spec
    m: dict[str, Any] = {
        "kind": "optimization", "bundle_format": 1, "optimize_format": OPTIMIZE_FORMAT,
        "fingerprint": opt.fingerprint, "spec_path": str(opt.path.resolve()), "spec": opt.written,
        "base_config_hash": opt.base_config_hash, "mode": spec.mode,
        "objective": spec.objective, "sense": spec.sense, "sampler": spec.sampler,
        "budget": spec.budget, "batch": spec.batch, "replications": spec.replications,
        "confirm": spec.confirm.model_dump(), "seed": spec.seed,
        "decisions": [{"name": d.label, "paths": d.paths,
                       "values": [v if d.integer else str(v) for v in d.values()],
                       "at": d.at.isoformat() if d.at else None, "source": d.source}
                      for d in spec.decisions],
        "constraints": [{"name": c.label, "output": c.output, "max": c.max, "min": c.min}
                        for c in spec.constraints],
        "outputs": [{"column": o.column, "kpi": o.kpi, "scope": o.scope, "period": o.period,
                     "unit": o.unit} for o in opt.outputs],
        "package_version": __version__, "git_commit": git_commit(),
        "seed_scheme": "replication r of every candidate: Model(scenario, seed, r) (common "
                       "random numbers across candidates)"}
    if status is not None:
        m["status"] = status
        m["command"] = command
    return m


def decision_values(opt: Optimization, choice: list[int]) -> dict[str, Any]:
    """{decision: value} of a candidate (options as written, dates as text)."""
    out: dict[str, Any] = {}
    for d, k in zip(opt.spec.decisions, choice):
        v = d.values()[k]
        out[d.label] = v if d.integer else (v if isinstance(v, (int, float, str)) else str(v))
    return out


def evaluations_frame(opt: Optimization, evs: list[Evaluation]) -> pd.DataFrame:
    """One row per candidate and stage."""
    rows = []
    for e in evs:
        row: dict[str, Any] = {"candidate": e.candidate, "round": e.round, "stage": e.stage,
                               "replications": e.replications}
        for d, k in zip(opt.spec.decisions, e.choice):
            v = d.values()[k]
            row[d.label] = int(v) if d.integer else str(v)
        row.update({"cost_usd": e.cost_usd, "objective": e.objective,
                    "objective_ci_low": e.objective_ci[0],
                    "objective_ci_high": e.objective_ci[1], "feasible": e.feasible,
                    "status": e.status, "error": e.error})
        for j, c in enumerate(opt.spec.constraints):
            row[f"slack:{c.label}"] = e.slacks[j] if e.slacks else math.nan
        for k, o in enumerate(opt.outputs):
            row[f"mean:{o.column}"] = e.means[k]
            row[f"ci_low:{o.column}"] = e.ci[k][0]
            row[f"ci_high:{o.column}"] = e.ci[k][1]
            row[f"values:{o.column}"] = list(e.values[k])
        row["wall_s"] = e.wall_s
        rows.append(row)
    return pd.DataFrame(rows)


def latest(search: list[Evaluation], confirmed: list[Evaluation]) -> list[Evaluation]:
    """Each candidate once, by its most replicated evaluation: its confirmation where it
    has one (a candidate feasible in the search may fail when confirmed)."""
    last = {e.candidate: e for e in search}
    last.update({e.candidate: e for e in confirmed})
    return list(last.values())


def bundle(opt: Optimization, e: Evaluation, search: list[Evaluation]) -> dict:
    """A candidate as reported: decisions, cost by decision, objective and every output
    with its interval, and the constraints (binding judged against ``search``: each
    candidate by :func:`latest`)."""
    return {"candidate": e.candidate, "stage": e.stage, "replications": e.replications,
            "decisions": decision_values(opt, e.choice),
            "cost_usd": e.cost_usd,
            "cost_by_decision_usd": {d.label: d.cost_usd(k) for d, k in
                                     zip(opt.spec.decisions, e.choice)},
            "objective": {"name": opt.spec.objective, "mean": e.objective,
                          "ci95": list(e.objective_ci)},
            "outputs": {o.column: {"mean": e.means[k], "ci95": list(e.ci[k]),
                                   "unit": o.unit, "values": e.values[k]}
                        for k, o in enumerate(opt.outputs)},
            "constraints": binding(opt, e, search), "feasible": e.feasible}


def shortfall(opt: Optimization, e: Evaluation) -> float:
    """How far a candidate is from meeting every constraint: the sum of its shortfalls,
    each relative to its limit (a limit of 0: absolute); inf for a run that failed."""
    if not e.ok or any(s != s for s in e.slacks):
        return math.inf
    total = 0.0
    for c, s in zip(opt.spec.constraints, e.slacks):
        limit = abs(float(c.max if c.max is not None else c.min or 0.0))
        total += max(0.0, -s) / (limit or 1.0)
    return total


def closest(opt: Optimization, judged: list[Evaluation]) -> dict | None:
    """With no feasible candidate: the one nearest to meeting every constraint (the
    smallest summed relative shortfall, ties the cheaper), each constraint's value and
    shortfall in it, and the nearest any candidate came to each constraint alone."""
    ok = [e for e in judged if shortfall(opt, e) < math.inf]
    if not ok:
        return None
    near = min(ok, key=lambda e: (shortfall(opt, e), e.cost_usd, e.candidate))
    per = []
    for j, c in enumerate(opt.spec.constraints):
        k = opt.column(c.output)
        top = max(ok, key=lambda e: (e.slacks[j], -e.cost_usd))
        per.append({"constraint": c.label, "bound": "max" if c.max is not None else "min",
                    "limit": float(c.max if c.max is not None else c.min or 0.0),
                    "mean": near.means[k], "ci95": list(near.ci[k]),
                    "short_by": max(0.0, -near.slacks[j]),
                    "nearest_candidate": top.candidate, "nearest_mean": top.means[k],
                    "nearest_short_by": max(0.0, -top.slacks[j])})
    return {"candidate": near.candidate, "replications": near.replications,
            "decisions": decision_values(opt, near.choice), "cost_usd": near.cost_usd,
            "constraints": per}


def write_results(opt: Optimization, out: Path, search: list[Evaluation],
                  confirmed: list[Evaluation], status: dict, command: list[str] | None
                  ) -> dict:
    """Every file but the store, atomically; returns the contents of best.json."""
    write_parquet_atomic(evaluations_frame(opt, search + confirmed),
                         out / "evaluations.parquet")
    spec = opt.spec
    pool = confirmed if confirmed else search
    judged = latest(search, confirmed)
    best_list = ranked(opt, pool)
    best = best_list[0] if best_list else None
    result: dict[str, Any] = {
        "mode": spec.mode, "objective": spec.objective, "sense": spec.sense,
        "complete": status["complete"], "evaluated": len(search),
        "feasible_in_search": sum(1 for e in search if e.feasible),
        "confirmed": [e.candidate for e in confirmed],
        "best": bundle(opt, best, judged) if best is not None else None,
        "note": ("" if best is not None else "no candidate met every constraint on the mean"
                 + (" after confirmation" if confirmed else ""))}
    if best is None:
        result["closest"] = closest(opt, judged)
    if spec.sampler == "cost_order" and best is not None and status["complete"]:
        # (interrupted, a cheaper candidate of the last batch may not have run yet)
        cheaper = [e for e in judged if e.cost_usd < best.cost_usd]
        result["cost_order"] = {"cheaper_run": len(cheaper),
                                "cheaper_feasible": sum(1 for e in cheaper if e.feasible),
                                "cheaper_failed": sum(1 for e in cheaper if not e.ok),
                                "redundant_skipped": sum(
                                    1 for c in redundant_choices(opt)
                                    if opt.cost_usd(c) < best.cost_usd)}
    if spec.mode == "pareto":
        front = pareto_front(opt, pool)
        result["front"] = [bundle(opt, e, judged) for e in front]
        write_text_atomic(out / "pareto.csv", evaluations_frame(opt, front).drop(
            columns=[c for c in evaluations_frame(opt, front).columns
                     if c.startswith("values:")], errors="ignore").to_csv(index=False))
    write_text_atomic(out / "best.json", dumps(result))
    write_text_atomic(out / "best.md", best_markdown(opt, result))
    write_text_atomic(out / "manifest.json", dumps(manifest(opt, status, command)))
    return result


def _num(x: float, unit: str = "") -> str:
    if x != x:
        return "–"
    if unit == "USD" or abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _ci(ci: list[float]) -> str:
    return "" if ci[0] != ci[0] else f" [{_num(ci[0])}, {_num(ci[1])}]"


def best_markdown(opt: Optimization, result: dict) -> str:
    """best.md: the best bundle (or the front) in a few lines and tables."""
    spec = opt.spec
    lines = [f"# Optimisation: {opt.path.stem}", ""]
    what = ("cost of the decisions (USD)" if spec.objective == "cost"
            else f"{spec.sense}imise {spec.objective}")
    lines += [f"Mode {spec.mode}; objective: {what}; {result['evaluated']} candidates "
              f"evaluated x {spec.replications} replications (seed {spec.seed}, common "
              f"random numbers), {result['feasible_in_search']} feasible on the mean; "
              f"{len(result['confirmed'])} confirmed with {spec.confirm.replications} "
              "replications." + ("" if result["complete"] else " **Incomplete**: run the "
                                 "same command again to finish."), ""]
    best = result["best"]
    order = result.get("cost_order")
    if order is not None:
        failed = order.get("cheaper_failed", 0)
        lines += [f"Searched in order of cost, cheapest first: the {order['cheaper_run']} "
                  f"candidates cheaper than the best were all run, and "
                  + (f"{order['cheaper_feasible']} of them met every constraint (see the "
                     "evaluations)" if order["cheaper_feasible"] else
                     f"{order['cheaper_run'] - failed} fell short of a constraint on the mean "
                     f"while {failed} failed (a run stopped with an error, see the "
                     "evaluations), so one of those may yet be a cheaper answer" if failed
                     else "each fell short of a constraint on its mean (over its "
                     "confirmation runs where it has them)")
                  + (f"; {order['redundant_skipped']} cheaper bundles were not run, as a "
                     "decision in them does nothing (its 'inactive_when') and the same bundle "
                     "with that decision at its first value was" if order["redundant_skipped"]
                     else "") + ".", ""]
    if best is None:
        lines += [f"**No best bundle**: {result['note']}.", ""]
        near = result.get("closest")
        if near:
            dec = ", ".join(f"{k} = {v}" for k, v in near["decisions"].items())
            lines += [f"Closest: candidate {near['candidate']} ({dec}; USD "
                      f"{_num(near['cost_usd'], 'USD')}, {near['replications']} "
                      "replications), and the nearest any candidate came to each target:", "",
                      "| constraint | target | closest candidate: mean [95 % CI] | short by "
                      "| nearest to this target alone |", "|---|---|---|---:|---|"]
            for c in near["constraints"]:
                sign = "≤" if c["bound"] == "max" else "≥"
                alone = (f"candidate {c['nearest_candidate']}: {_num(c['nearest_mean'])}"
                         + (f" (short by {_num(c['nearest_short_by'])})"
                            if c["nearest_short_by"] > 0 else " (met)"))
                lines.append(f"| {c['constraint']} | {sign} {_num(c['limit'])} | "
                             f"{_num(c['mean'])}{_ci(c['ci95'])} | {_num(c['short_by'])} "
                             f"| {alone} |")
            lines.append("")
    else:
        lines += [f"## Best bundle (candidate {best['candidate']}, {best['replications']} "
                  "replications)", "", "| decision | value | cost (USD) |", "|---|---:|---:|"]
        for name, v in best["decisions"].items():
            lines.append(f"| {name} | {v} | {_num(best['cost_by_decision_usd'][name], 'USD')} |")
        lines += [f"| **total** | | **{_num(best['cost_usd'], 'USD')}** |", ""]
        ob = best["objective"]
        if spec.objective != "cost":
            lines += [f"Objective {ob['name']}: {_num(ob['mean'])}{_ci(ob['ci95'])} "
                      "(mean, 95 % interval)", ""]
        if best["constraints"]:
            lines += ["| constraint | target | mean [95 % CI] | binds |", "|---|---|---|---|"]
            for c in best["constraints"]:
                sign = "≤" if c["bound"] == "max" else "≥"
                binds = binds_text(c)
                lines.append(f"| {c['constraint']} | {sign} {_num(c['limit'])} | "
                             f"{_num(c['mean'])}{_ci(c['ci95'])} | {binds} |")
            lines.append("")
    if spec.mode == "pareto":
        lines += ["## Pareto front (cost against the objective, feasible candidates)", "",
                  "| candidate | cost (USD) | objective [95 % CI] | decisions |",
                  "|---:|---:|---|---|"]
        for f in result.get("front", []):
            ob = f["objective"]
            dec = ", ".join(f"{k} = {v}" for k, v in f["decisions"].items())
            lines.append(f"| {f['candidate']} | {_num(f['cost_usd'], 'USD')} | "
                         f"{_num(ob['mean'])}{_ci(ob['ci95'])} | {dec} |")
        lines.append("")
    return "\n".join(lines)


__all__ = ["FOLDER_FILES", "STUDY", "prepare_folder", "manifest", "decision_values",
           "evaluations_frame", "bundle", "shortfall", "closest", "write_results",
           "best_markdown"]
