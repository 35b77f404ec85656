"""Figures of an optimisation folder (``corridor optimize``), from its files only
(``manifest.json``, ``evaluations.parquet``, ``best.json``): the objective by evaluation
(feasible and infeasible candidates marked, the best so far as a line, the confirmed
candidates with their 95 % intervals), every constraint's output by evaluation against
its limit, and in pareto mode the front of cost against the objective with intervals;
:func:`optimize_figures` yields the set.

Each plot function takes the evaluations frame (and what it needs to label it) and an
optional ``ax``, draws, and returns the ``ax``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.io.best import binds_text
from sim.io.folders import Folder
from sim.plots.style import fmt_number, new_ax
from sim.plots.types import Figures, Tables

BLUE, ORANGE, GREY, GREEN, RED = "#1f77b4", "#ff7f0e", "#9a9a9a", "#2ca02c", "#d62728"
COLUMNS = ["candidate", "stage", "replications", "cost_usd", "objective",
           "objective_ci_low", "objective_ci_high", "feasible", "status"]


def _objective_label(meta: dict) -> str:
    obj = meta.get("objective", "cost")
    return ("cost of the decisions (USD m)" if obj == "cost"
            else f"{obj} ({meta.get('sense', 'min')})")


def _in_millions(evals: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """Costs (and a cost objective) in USD millions, for the axes."""
    e = evals.copy()
    e["cost_usd"] = e["cost_usd"] / 1e6
    if meta.get("objective", "cost") == "cost":
        for c in ("objective", "objective_ci_low", "objective_ci_high"):
            e[c] = e[c] / 1e6
    return e


def _mean_ci(mean: float | None, ci: list | None) -> str:
    """'mean [low, high]', or the mean alone where there is no interval (one
    replication: best.json holds null for it)."""
    def num(v: float | None) -> str:
        return "–" if v is None else fmt_number(v)
    lo, hi = (ci or [None, None])[:2]
    if lo is None or hi is None or lo != lo or hi != hi:
        return num(mean) + (" (no interval)" if mean is not None else "")
    return f"{num(mean)} [{num(lo)}, {num(hi)}]"


def _whole_ticks(ax) -> None:
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def objective_by_evaluation(evals: pd.DataFrame, meta: dict, ax=None):
    """The objective of every candidate of the search in the order evaluated (filled:
    feasible on the mean; crosses: infeasible), the best feasible so far as a step line
    (each candidate judged by its confirmation where it has one, so one that fails it is
    not the best), and the confirmed candidates with their 95 % intervals, those that
    hold apart from those that fail."""
    ax = new_ax(ax, (8.0, 4.2))
    evals = _in_millions(evals, meta)
    s = evals[evals.stage == "search"].sort_values("candidate")
    feas = s[s.feasible]
    bad = s[~s.feasible]
    ax.scatter(bad.candidate, bad.objective, marker="x", color=GREY, s=22,
               label="infeasible (a constraint fails on the mean)")
    ax.scatter(feas.candidate, feas.objective, marker="o", color=BLUE, s=22,
               label="feasible")
    sign = -1.0 if meta.get("objective") != "cost" and meta.get("sense") == "max" else 1.0
    c = evals[evals.stage == "confirm"]
    held = dict(zip(c.candidate, c.feasible.astype(bool)))
    latest = np.array([held.get(k, f) for k, f in zip(s.candidate, s.feasible)], bool)
    best = np.where(latest, sign * s.objective, np.inf)
    run = np.minimum.accumulate(best) if len(best) else best
    ok = np.isfinite(run)
    if ok.any():
        ax.step(s.candidate[ok], sign * run[ok], where="post", color=ORANGE, lw=1.5,
                label="best feasible so far (as confirmed, where confirmed)")
    for mask, colour, name in ((c.feasible.astype(bool), GREEN, "confirmed: holds"),
                               (~c.feasible.astype(bool), RED, "confirmed: fails")):
        part = c[mask]
        if len(part):
            lo = (part.objective - part.objective_ci_low).fillna(0).clip(lower=0)
            hi = (part.objective_ci_high - part.objective).fillna(0).clip(lower=0)
            ax.errorbar(part.candidate + 0.25, part.objective, yerr=[lo, hi], fmt="D",
                        color=colour, ms=5, capsize=3, label=f"{name} (95 % CI)")
    ax.set_xlabel("candidate (in the order evaluated)")
    ax.set_ylabel(_objective_label(meta))
    _whole_ticks(ax)
    ax.set_title("Objective by evaluation", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return ax


def constraint_by_evaluation(evals: pd.DataFrame, constraint: dict, ax=None):
    """A constraint's output (mean over the replications, 95 % interval) of every
    candidate of the search, against its limit, and beside each confirmed candidate its
    value over the confirmation's replications (diamonds: green where it meets this
    target, red where it misses)."""
    ax = new_ax(ax, (8.0, 3.6))
    out = constraint["output"]
    limit = constraint["max"] if constraint.get("max") is not None else constraint["min"]
    means = []
    for stage, shift, marks in (("search", 0.0, ((BLUE, "target met"),
                                                 (GREY, "target missed"))),
                                ("confirm", 0.25, ((GREEN, "confirmed: met"),
                                                   (RED, "confirmed: missed")))):
        s = evals[evals.stage == stage].sort_values("candidate")
        m, lo, hi = s[f"mean:{out}"], s[f"ci_low:{out}"], s[f"ci_high:{out}"]
        means.append(m.to_numpy())
        met = m <= limit if constraint.get("max") is not None else m >= limit
        for mask, (colour, name) in zip((met, ~met), marks):
            if mask.any() or stage == "search":
                ax.errorbar(s.candidate[mask] + shift, m[mask],
                            yerr=[(m - lo)[mask].fillna(0).clip(lower=0),
                                  (hi - m)[mask].fillna(0).clip(lower=0)],
                            fmt="o" if stage == "search" else "D",
                            ms=4 if stage == "search" else 5, color=colour, ecolor=colour,
                            capsize=2, label=name)
    m = pd.Series(np.concatenate(means))
    ax.axhline(limit, color=ORANGE, ls="--", lw=1.2,
               label=f"limit ({'≤' if constraint.get('max') is not None else '≥'} "
                     f"{fmt_number(limit)})")
    # the view spans the means and the limit; wide intervals (few replications) are cut
    top, bottom = np.nanmax(np.r_[m.to_numpy(), limit]), np.nanmin(np.r_[m.to_numpy(), limit])
    pad = 0.08 * (top - bottom or abs(top) or 1.0)
    ax.set_ylim(bottom - pad, top + pad)
    ax.set_xlabel("candidate")
    ax.set_ylabel(out)
    _whole_ticks(ax)
    ax.set_title(f"Constraint {constraint['name']}: mean and 95 % CI by candidate, the "
                 "confirmed beside\n(intervals cut at the edges of the view)", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return ax


def pareto_front(evals: pd.DataFrame, front: pd.DataFrame, meta: dict, ax=None):
    """Cost against the objective: every candidate (feasible or not), the front of the
    feasible ones as a line, with their 95 % intervals."""
    ax = new_ax(ax, (7.5, 4.8))
    evals, front = _in_millions(evals, meta), _in_millions(front, meta)
    s = evals[evals.stage == "search"]
    ax.scatter(s.cost_usd[~s.feasible], s.objective[~s.feasible], marker="x", color=GREY,
               s=20, label="infeasible")
    ax.scatter(s.cost_usd[s.feasible], s.objective[s.feasible], marker="o", color=BLUE,
               s=18, alpha=0.6, label="feasible")
    if len(front):
        f = front.sort_values("cost_usd")
        lo = (f.objective - f.objective_ci_low).fillna(0).clip(lower=0)
        hi = (f.objective_ci_high - f.objective).fillna(0).clip(lower=0)
        ax.errorbar(f.cost_usd, f.objective, yerr=[lo, hi], fmt="-D", color=ORANGE, ms=5,
                    capsize=3, label="Pareto front (95 % CI)")
    ax.set_xlabel("cost of the decisions (USD m)")
    ax.set_ylabel(_objective_label(meta))
    ax.set_title("Cost against the objective: the Pareto front", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return ax


def _frames(folder: Folder) -> tuple[pd.DataFrame, dict]:
    evals = folder.parquet("evaluations.parquet")
    missing = [c for c in COLUMNS if c not in evals.columns]
    if missing:
        raise folder.missing_columns("evaluations.parquet", missing, evals.columns)
    return evals, folder.json("best.json")


def optimize_figures(folder: Folder) -> Figures:
    """The figure set of an optimisation folder."""
    evals, best = _frames(folder)
    meta = folder.manifest
    fig, ax = plt.subplots(figsize=(8.0, 4.2))
    objective_by_evaluation(evals, meta, ax)
    yield "objective_by_evaluation", fig
    for i, c in enumerate(meta.get("constraints", [])):
        if f"mean:{c['output']}" not in evals.columns:
            continue
        fig, ax = plt.subplots(figsize=(8.0, 3.6))
        constraint_by_evaluation(evals, c, ax)
        yield f"constraint_{i + 1}", fig
    if meta.get("mode") == "pareto":
        ids = [f["candidate"] for f in best.get("front") or []]
        stage = "confirm" if (evals.stage == "confirm").any() else "search"
        front = evals[evals.candidate.isin(ids)]
        front = front[front.stage == stage] if (front.stage == stage).any() else front
        front = front.sort_values("replications").drop_duplicates("candidate", keep="last")
        fig, ax = plt.subplots(figsize=(7.5, 4.8))
        pareto_front(evals, front, meta, ax)
        yield "pareto_front", fig


def optimize_tables(folder: Folder) -> Tables:
    """The best bundle, its constraints, the front and every evaluation."""
    evals, best = _frames(folder)
    tables: Tables = []
    b = best.get("best")
    if b:
        tables.append(("Best bundle", pd.DataFrame({
            "decision": list(b["decisions"]), "value": [str(v) for v in b["decisions"].values()],
            "cost (USD)": [fmt_number(b["cost_by_decision_usd"][k]) for k in b["decisions"]]})))
        if b["constraints"]:
            tables.append(("Constraints of the best bundle", pd.DataFrame({
                "constraint": [c["constraint"] for c in b["constraints"]],
                "target": [f"{'≤' if c['bound'] == 'max' else '≥'} {fmt_number(c['limit'])}"
                           for c in b["constraints"]],
                "mean [95 % CI]": [_mean_ci(c["mean"], c["ci95"]) for c in b["constraints"]],
                "binds": [binds_text(c) for c in b["constraints"]]})))
    order = best.get("cost_order")
    if order:  # the search in order of cost: what backs "the cheapest"
        tables.append(("Searched in order of cost: the bundles cheaper than the best",
                       pd.DataFrame({"bundles": [
                           "run", "of them meeting every constraint (as confirmed, where "
                           "confirmed)", "of them failing to run (an error)",
                           "not run: a decision in them does nothing (inactive_when)"],
                           "count": [order["cheaper_run"], order["cheaper_feasible"],
                                     order.get("cheaper_failed", 0),
                                     order["redundant_skipped"]]})))
    for f in best.get("front") or []:
        f.setdefault("objective", {})
    if best.get("front"):
        tables.append(("Pareto front", pd.DataFrame({
            "candidate": [f["candidate"] for f in best["front"]],
            "cost (USD)": [fmt_number(f["cost_usd"]) for f in best["front"]],
            "objective [95 % CI]": [
                _mean_ci(f["objective"]["mean"], f["objective"]["ci95"]) for f in best["front"]],
            "decisions": [", ".join(f"{k} = {v}" for k, v in f["decisions"].items())
                          for f in best["front"]]})))
    shown = evals.drop(columns=[c for c in evals.columns
                                if c.startswith(("values:", "ci_low:", "ci_high:"))])
    tables.append(("Evaluations", shown))
    return tables


def optimize_facts(folder: Folder) -> list[tuple[str, str]]:
    m = folder.manifest
    st = m.get("status") or {}
    return [("spec", str(m.get("spec_path"))),
            ("mode", f"{m.get('mode')}; objective {m.get('objective')} ({m.get('sense')})"),
            ("search", f"{st.get('evaluated', '?')} of {m.get('budget')} candidates x "
                       f"{m.get('replications')} replication(s), seed {m.get('seed')}, "
                       f"sampler {m.get('sampler')}"),
            ("confirmation", f"{st.get('confirmed', 0)} candidate(s) x "
                             f"{(m.get('confirm') or {}).get('replications')} replications"),
            ("complete", str(st.get("complete"))),
            ("version", f"corridor-sim {m.get('package_version')}, commit "
                        f"{m.get('git_commit')}"),
            ("command", " ".join(m.get("command") or []) or "–")]


__all__ = ["objective_by_evaluation", "constraint_by_evaluation", "pareto_front",
           "optimize_figures", "optimize_tables", "optimize_facts"]
