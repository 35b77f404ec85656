"""What a candidate's runs say: per output the mean and 95 % t-interval over its
replications, the objective, each constraint's slack, feasibility; the best candidate,
the constraints that bind on it, and the Pareto front.

A candidate is feasible when every constraint holds on the mean over its replications
(and its cost is within ``max_cost_usd``); the interval says how sure that is. Every
candidate runs the same replication seeds (common random numbers), so differences
between candidates are the decisions' doing, not noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.measure.stats import t_interval

if TYPE_CHECKING:
    from sim.study.optimize.spec import Optimization
    from sim.study.sweeps.worker import RunRow


@dataclass
class Evaluation:
    """One candidate at one stage ('search': its first ``replications`` runs; 'confirm':
    all its runs after the confirmation stage)."""

    candidate: int
    round: int
    stage: str
    choice: list[int]
    cost_usd: float
    replications: int
    status: str                               # ok | failed
    error: str = ""
    values: list[list[float]] = field(default_factory=list)   # per output, per replication
    means: list[float] = field(default_factory=list)
    ci: list[tuple[float, float]] = field(default_factory=list)
    objective: float = math.nan               # cost, or the KPI objective's mean
    objective_ci: tuple[float, float] = (math.nan, math.nan)
    slacks: list[float] = field(default_factory=list)          # per constraint
    feasible: bool = False
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def summarise(opt: Optimization, candidate: int, round_no: int, stage: str,
              choice: list[int], rows: list[RunRow], replications: int) -> Evaluation:
    """The evaluation of a candidate from its runs ``rows`` (replications 0 to
    ``replications`` - 1 are used)."""
    rows = sorted((r for r in rows if r[1] < replications), key=lambda r: r[1])
    ev = Evaluation(candidate, round_no, stage, list(choice), opt.cost_usd(choice),
                    replications, "ok", wall_s=float(sum(r[5] for r in rows)))
    failed = [r for r in rows if r[2] != "ok"]
    if failed or len(rows) < replications:
        ev.status = "failed"
        ev.error = failed[0][3] if failed else "runs missing"
    n_out = len(opt.outputs)
    ev.values = [[float(r[4][k]) if r[2] == "ok" else math.nan for r in rows]
                 for k in range(n_out)]
    for v in ev.values:
        m, lo, hi, _n = t_interval(np.array(v, float)) if v else (math.nan,) * 3 + (0,)
        ev.means.append(m)
        ev.ci.append((lo, hi))
    spec = opt.spec
    if opt.kpi_objective:
        k = opt.column(spec.objective)
        ev.objective, ev.objective_ci = ev.means[k], ev.ci[k]
    else:
        ev.objective, ev.objective_ci = ev.cost_usd, (ev.cost_usd, ev.cost_usd)
    ev.slacks = [c.slack(ev.means[opt.column(c.output)]) for c in spec.constraints]
    ev.feasible = (ev.ok and all(s >= 0 for s in ev.slacks)
                   and (spec.max_cost_usd is None or ev.cost_usd <= spec.max_cost_usd)
                   and not math.isnan(ev.objective))
    return ev


def score(opt: Optimization, ev: Evaluation) -> float:
    """The objective as minimised (a maximised KPI negated)."""
    return -ev.objective if opt.kpi_objective and opt.spec.sense == "max" else ev.objective


def sampler_values(opt: Optimization, ev: Evaluation) -> list[float]:
    """The values the sampler minimises: the objective, or (cost, objective) for a front."""
    if opt.spec.mode == "pareto":
        return [ev.cost_usd, score(opt, ev)]
    return [score(opt, ev)]


def violations(opt: Optimization, ev: Evaluation) -> dict[str, float]:
    """Constraint values for the sampler: <= 0 feasible (the shortfall otherwise)."""
    out = {c.label: (-s if s == s else 1e9) for c, s in zip(opt.spec.constraints, ev.slacks)}
    if opt.spec.max_cost_usd is not None:
        out["max_cost_usd"] = ev.cost_usd - opt.spec.max_cost_usd
    return out


def ranked(opt: Optimization, evs: list[Evaluation]) -> list[Evaluation]:
    """The feasible evaluations, best first (ties: the cheaper, then the earlier)."""
    return sorted((e for e in evs if e.feasible),
                  key=lambda e: (score(opt, e), e.cost_usd, e.candidate))


def pareto_front(opt: Optimization, evs: list[Evaluation]) -> list[Evaluation]:
    """The feasible evaluations no other feasible one beats on both cost and the
    objective (sense applied), by cost."""
    feas = [e for e in evs if e.feasible]
    front = []
    for e in feas:
        a = (e.cost_usd, score(opt, e))
        if not any((o.cost_usd, score(opt, o)) != a and o.cost_usd <= a[0]
                   and score(opt, o) <= a[1] for o in feas):
            front.append(e)
    seen: set = set()
    out = []
    for e in sorted(front, key=lambda e: (e.cost_usd, score(opt, e), e.candidate)):
        key = (e.cost_usd, score(opt, e))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def binding(opt: Optimization, best: Evaluation, evs: list[Evaluation]) -> list[dict]:
    """Per constraint of the best candidate: its mean, interval and slack; whether its
    interval reaches the limit (not clearly met); how many of the evaluated candidates
    that would beat it fail this constraint, and how many fail it alone (every other
    constraint met). A constraint binds when relaxing it alone would change the answer:
    some better candidate fails it and nothing else. One that keeps better candidates out
    only together with another (each of them fails both) binds jointly: relaxing it alone
    changes nothing. The cost cap keeps none out here: a candidate over ``max_cost_usd``
    is never proposed (:func:`sim.study.optimize.search.admissible`), and a folder is
    resumed only by the spec that made it, cap and all, so none is ever evaluated."""
    better = [e for e in evs if e.ok and score(opt, e) < score(opt, best)]
    out = []
    for j, c in enumerate(opt.spec.constraints):
        k = opt.column(c.output)
        lo, hi = best.ci[k]
        limit = float(c.max if c.max is not None else c.min or 0.0)
        failing = [e for e in better if e.slacks[j] < 0]
        alone = sum(1 for e in failing
                    if all(s >= 0 for i, s in enumerate(e.slacks) if i != j))
        out.append({"constraint": c.label, "output": c.output,
                    "bound": "max" if c.max is not None else "min", "limit": limit,
                    "mean": best.means[k], "ci95": [lo, hi], "slack": best.slacks[j],
                    "interval_reaches_limit": bool(lo == lo and lo <= limit <= hi),
                    "better_candidates": len(better), "better_failing": len(failing),
                    "better_failing_alone": alone, "binds": alone > 0,
                    "binds_jointly": bool(failing) and not alone})
    return out


__all__ = ["Evaluation", "summarise", "score", "sampler_values", "violations", "ranked",
           "pareto_front", "binding"]
