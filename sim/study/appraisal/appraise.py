"""Cost-benefit appraisal of a scenario against its counterfactual (``corridor
appraise``): the benefits the model measured (:mod:`sim.study.appraisal.benefits`)
extended over the appraisal period, the dated costs of the costs file, and per
replication the NPV, benefit-cost ratio and EIRR (:mod:`sim.study.appraisal.metrics`),
summarised over the replications: mean, 95 % t-interval and P(NPV > 0).

Replication r of both folders shares its random numbers (common random numbers), so the
appraisal pairs them: NPV_r is the project's value in the same world drawn twice. For
contrast, the interval independent runs would have given is estimated from the NPVs of
replication r of the scenario against replication s != r of the counterfactual (pairs
with independent streams).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.measure.stats import t_interval, t_quantile
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem
from sim.study.appraisal import metrics
from sim.study.appraisal.benefits import (
    ITEMS,
    QUANTITIES,
    YearBenefits,
    check_kpis,
    pair_problems,
    read,
    year_benefits,
)
from sim.study.appraisal.schema import CostsFile, load_costs

# a note that is a warning (``corridor appraise`` prints it on stderr as one)
WARNING = "WARNING: "


@dataclass
class Result:
    """An appraisal: its inputs' facts, the cash flows by year and item, and the
    figures of merit per replication and summarised."""

    costs: CostsFile
    costs_path: str
    years: list[int]                       # the appraisal period
    simulated: list[int]                   # the years the model simulated (both folders)
    n: int                                 # paired replications
    flows: dict[str, np.ndarray]           # item -> (years x n) signed USD, undiscounted
    category: dict[str, str]               # item -> "benefit" or "cost"
    discount: np.ndarray                   # factor per year
    per_replication: pd.DataFrame          # replication, npv_usd, bcr, eirr, ...
    quantities: dict[str, np.ndarray]      # name -> (simulated years x n)
    unpaired_npv: np.ndarray               # NPVs of the cross pairs r != s
    facts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # a warning's begin with WARNING
    warnings: list[Problem] = field(default_factory=list)  # each with its file and field

    def cashflow_table(self) -> pd.DataFrame:
        """Long table: year, item, category, replication ('mean' or 0..n-1), usd
        (signed: benefits +, costs -), discount_factor, pv_usd."""
        rows = []
        for item, f in self.flows.items():
            for i, y in enumerate(self.years):
                df = float(self.discount[i])
                for r in range(self.n):
                    v = float(f[i, r])
                    rows.append((y, item, self.category[item], str(r), v, df, v * df))
                m = float(f[i].mean())
                rows.append((y, item, self.category[item], "mean", m, df, m * df))
        return pd.DataFrame(rows, columns=["year", "item", "category", "replication",
                                           "usd", "discount_factor", "pv_usd"])

    def summary(self) -> dict:
        """Figures of merit over the replications: mean, 95 % t-interval, values."""
        out: dict = {"replications": self.n}
        pr = self.per_replication
        for col in pr.columns:
            if col in ("replication", "eirr_roots"):
                continue
            v = pr[col].to_numpy(float)
            mean, lo, hi, k = t_interval(v)     # over the finite values
            out[col] = {"mean": mean, "ci95": None if math.isnan(lo) else [lo, hi],
                        "n": k, "values": [_json_number(x) for x in v]}
        out["eirr"]["none"] = int(pr["eirr"].isna().sum())
        out["eirr"]["above_1000_percent"] = int(np.isinf(pr["eirr"]).sum())
        out["eirr"]["several_roots"] = int((pr["eirr_roots"] > 1).sum())
        # over every replication, those that never repay as -inf and those that repay at
        # once as +inf: the median, and how many clear the discount rate
        rates = pr["eirr"].to_numpy(float)
        ranked = np.sort(np.where(np.isnan(rates), -math.inf, rates))
        rate = self.costs.appraisal.discount.rate
        lo, hi = ranked[(len(ranked) - 1) // 2], ranked[len(ranked) // 2]
        out["eirr"]["median"] = _json_number(
            (lo + hi) / 2 if math.isfinite(lo) and math.isfinite(hi) else lo if lo == hi
            else math.nan)
        out["eirr"]["median_between"] = [_json_number(lo), _json_number(hi)]
        out["eirr"]["above_discount_rate"] = int(np.sum(ranked > rate))
        npv = pr["npv_usd"].to_numpy(float)
        out["p_npv_positive"] = float(np.mean(npv > 0))
        paired = out["npv_usd"]["ci95"]
        out["npv_usd"]["ci95_half_width"] = None if paired is None else (paired[1]
                                                                         - paired[0]) / 2
        out["npv_usd"]["unpaired_ci95_half_width"] = unpaired_half_width(self.unpaired_npv,
                                                                         self.n)
        vot = self.costs.value_of_time.usd_per_teu_day
        if "pv_time_usd" in pr and vot > 0:
            pv_time = pr["pv_time_usd"].to_numpy(float)
            out["switching_value_of_time"] = switching_value(
                npv - pv_time, pv_time / vot)
        out["model_values_of_time_usd_per_teu_day"] = dict(
            self.facts.get("model_values_of_time_usd_per_teu_day") or {})
        return out


def switching_value(rest: np.ndarray, box_days: np.ndarray, level: float = 0.95) -> dict:
    """The value of a TEU-day at which the mean NPV is zero, with its confidence set
    (Fieller's): per replication NPV(v) = rest + v * box_days (``rest``: the NPV without
    the time benefit; ``box_days``: the PV of the TEU-days saved). The set is every v at
    which the ``level`` t-interval of the mean NPV(v) holds zero, the v where
    qa v^2 + 2 qb v + qc <= 0: an interval (``ci95``) when the box-days saved are clearly
    nonzero (qa > 0); else unbounded, either every value outside an interval
    (``outside``) or every value at all. ``time``: whether time is 'saved' on the mean
    (the NPV rises with the value of time, so it pays above ``mean``), 'lost' (it pays
    below) or 'none' (``mean`` None: no value of time changes it). One replication: no
    set (``ci95`` and ``outside`` None)."""
    n = len(rest)
    a, b = float(np.mean(rest)), float(np.mean(box_days))
    if not (math.isfinite(a) and math.isfinite(b)):
        a = b = 0.0               # (a replication without an NPV: no value to give)
    out: dict = {"mean": -a / b if b != 0 else None, "ci95": None, "outside": None, "n": n,
                 "bounded": False, "time": "saved" if b > 0 else "lost" if b < 0 else "none"}
    if n < 2 or b == 0:
        return out
    t2 = t_quantile(0.5 + level / 2, n - 1) ** 2
    cov = np.cov(np.vstack([rest, box_days]), ddof=1) / n
    qa, qb, qc = b * b - t2 * cov[1, 1], a * b - t2 * cov[0, 1], a * a - t2 * cov[0, 0]
    disc = qb * qb - qa * qc
    if disc < 0 or qa == 0:
        return out            # (qa < 0 and no real root: every value; qa > 0 has roots)
    root = math.sqrt(disc)
    ends = sorted([float((-qb - root) / qa), float((-qb + root) / qa)])
    if qa > 0:                # (a + v b)^2 <= t2 var(v): between the roots
        out["ci95"], out["bounded"] = ends, True
    else:                     # the quadratic opens downwards: outside them
        out["outside"] = ends
    return out


def _json_number(x: float) -> float | str | None:
    """A value for JSON: NaN as null, an infinite EIRR as the text "inf"."""
    if math.isnan(x):
        return None
    return ("inf" if x > 0 else "-inf") if math.isinf(x) else float(x)


def unpaired_half_width(cross: np.ndarray, n: int, level: float = 0.95) -> float | None:
    """Half-width of the t-interval of a mean NPV over ``n`` independent pairs, the
    spread taken from the cross pairs' NPVs (None with fewer than 2 replications)."""
    cross = cross[np.isfinite(cross)]
    if n < 2 or len(cross) < 2:
        return None
    return float(t_quantile(0.5 + level / 2, n - 1) * cross.std(ddof=1) / math.sqrt(n))


def cost_flows(costs: CostsFile) -> dict[str, np.ndarray]:
    """Per cost item its capital cost, operating cost and residual value by appraisal
    year, signed (costs -, residual value +): ``capex: NAME``, ``opex: NAME``,
    ``residual: NAME``."""
    a = costs.appraisal
    years = np.array(a.years)
    out: dict[str, np.ndarray] = {}
    for it in costs.items:
        out[f"capex: {it.name}"] = np.where(years == it.year, -it.capex_usd, 0.0)
        if it.opex_usd_per_year:
            last = a.last_year if it.end_of_life is None else min(a.last_year, it.end_of_life)
            out[f"opex: {it.name}"] = np.where((years >= it.opex_first) & (years <= last),
                                               -it.opex_usd_per_year, 0.0)
        if it.lifetime_years is not None and it.end_of_life is not None:
            left = it.end_of_life - a.last_year
            if left > 0:
                value = it.capex_usd * min(left, it.lifetime_years) / it.lifetime_years
                out[f"residual: {it.name}"] = np.where(years == a.last_year, value, 0.0)
    return out


def extend(yb: YearBenefits, costs: CostsFile, n: int) -> tuple[dict[str, np.ndarray],
                                                                  list[str]]:
    """The benefits over the appraisal period: the model's years as simulated; after the
    last simulated year as the costs file's ``beyond_horizon`` says; before the first
    simulated year nothing."""
    a = costs.appraisal
    notes = []
    pos = {y: i for i, y in enumerate(yb.years)}
    last = yb.years[-1] if yb.years else None
    out = {}
    for item, v in yb.usd.items():
        f = np.zeros((len(a.years), n))
        for i, y in enumerate(a.years):
            if y in pos:
                f[i] = v[pos[y]]
            elif last is not None and y > last and a.beyond_horizon == "hold_last":
                f[i] = v[pos[last]]
        out[item] = f
    before = [y for y in a.years if yb.years and y < yb.years[0]]
    after = [y for y in a.years if last is not None and y > last]
    if yb.years and not set(yb.years) & set(a.years):
        notes.append(f"{WARNING}no simulated year ({yb.years[0]}-{last}) falls in the "
                     f"appraisal period {a.years[0]}-{a.years[-1]}: "
                     + ("every benefit is the last simulated year's, held" if after and
                        a.beyond_horizon == "hold_last" else "no benefit is counted")
                     + " (run the scenarios over the period, or set the period to them)")
    if before:
        notes.append(f"no benefits counted in {before[0]}-{before[-1]}, before the first "
                     f"simulated year {yb.years[0]}")
    if after:
        how = ("held at each replication's last simulated year" if a.beyond_horizon ==
               "hold_last" else "not counted (beyond_horizon = 'none')")
        notes.append(f"benefits of {after[0]}-{after[-1]}, after the last simulated year "
                     f"{last}: {how}")
    return out, notes


def figures_of_merit(flows: dict[str, np.ndarray], category: dict[str, str],
                     discount: np.ndarray, n: int) -> pd.DataFrame:
    """Per replication: PV of benefits (and of each benefit item), PV of costs (capital
    and operating less residual value), NPV, BCR, EIRR (and how many roots), and the
    benefits as a constant yearly sum over the period with the same PV (the most a cost
    paid every year of the period, a hired ship's, may be before the NPV is negative)."""
    annuity = float(np.sum(discount))
    rows = []
    ben = [k for k in flows if category[k] == "benefit"]
    cst = [k for k in flows if category[k] == "cost"]
    for r in range(n):
        pv = {k: float(np.sum(flows[k][:, r] * discount)) for k in flows}
        pv_b = sum(pv[k] for k in ben)
        pv_c = -sum(pv[k] for k in cst)
        net = np.sum([flows[k][:, r] for k in flows], axis=0)
        rate, roots = metrics.eirr(net)
        rows.append({"replication": r, "npv_usd": pv_b - pv_c,
                     "bcr": metrics.bcr(pv_b, pv_c),
                     "eirr": math.nan if rate is None else rate, "eirr_roots": roots,
                     "pv_benefits_usd": pv_b, "pv_costs_usd": pv_c,
                     "annual_benefits_usd": pv_b / annuity,
                     **{f"pv_{k}_usd": pv[k] for k in ben}})
    return pd.DataFrame(rows)


def model_value_of_time(manifest: dict) -> float | None:
    """The value of time a run's shippers choose their routes by (route_choice's
    value_of_time_usd_per_teu_day in its resolved config; None: not set)."""
    choice = (manifest.get("config") or {}).get("route_choice") or {}
    v = choice.get("value_of_time_usd_per_teu_day")
    return None if v is None else float(v)


def time_value_columns(per: pd.DataFrame, vot: float, model_vot: float | None
                       ) -> float | None:
    """Add to the figures of merit the NPV at ``model_vot``, the value of time the model's
    shippers choose their routes by in both folders, where it differs from the
    appraisal's: the time benefit is linear in it. Returns that model value (None: none,
    or no time benefit counted)."""
    if model_vot is None or "pv_time_usd" not in per or vot <= 0:
        return None
    pv_time = per["pv_time_usd"].to_numpy(float)
    npv = per["npv_usd"].to_numpy(float)
    if model_vot != vot:
        per["npv_at_model_value_of_time_usd"] = npv + (model_vot / vot - 1.0) * pv_time
    return model_vot


def value_of_time_text(v: float | None) -> str:
    return "not set" if v is None else f"{v:g} USD per TEU-day"


def values_of_time_differ(scenario: float | None, counterfactual: float | None) -> str:
    """Why there is no one value of time the model's shippers choose by, when the
    scenario's and the counterfactual's differ (one of them unset included); "" when they
    agree. Do-something and do-minimum must share their behavioural values: with two,
    part of the change in routes, and of the box-days saved, is the change of value, not
    the project, and the NPV at 'the model shippers' value of time' would name one of
    them as if it were both's."""
    if scenario == counterfactual:
        return ""
    return (f"{value_of_time_text(scenario)} in the scenario, "
            f"{value_of_time_text(counterfactual)} in the counterfactual: their shippers "
            "choose routes by different values of time, so part of what is appraised is "
            "that difference, not the project; the NPV at the model shippers' value of "
            "time is not given (run both with the same value)")


def appraise(scenario_dir: str | Path, counterfactual_dir: str | Path,
             costs_path: str | Path) -> Result:
    """Appraise the scenario's folder against the counterfactual's with a costs file;
    ConfigError with one line per problem."""
    costs, shown = load_costs(costs_path)
    cf, p = read(counterfactual_dir), read(scenario_dir)
    problems = pair_problems(cf, p) + check_kpis(costs, [cf, p], shown)
    n = min(cf.n, p.n)
    if problems:
        raise ConfigError(problems)
    yb = year_benefits(costs, cf, p, n)
    if not yb.years:
        raise ConfigError([Problem(str(scenario_dir), WHOLE_FILE, "no simulated year in "
                                   "common with the counterfactual")])
    a = costs.appraisal
    benefit_flows, notes = extend(yb, costs, n)
    flows = {**benefit_flows, **{k: np.repeat(v[:, None], n, axis=1)
                                 for k, v in cost_flows(costs).items()}}
    category = {k: ("benefit" if k in ITEMS else "cost") for k in flows}
    discount = metrics.discount_factors(a.years, a.base_year, a.discount.rate)
    per = figures_of_merit(flows, category, discount, n)
    own = {"scenario": model_value_of_time(p.manifest),
           "counterfactual": model_value_of_time(cf.manifest)}
    differ = values_of_time_differ(own["scenario"], own["counterfactual"])
    model_vot = time_value_columns(per, costs.value_of_time.usd_per_teu_day,
                                   None if differ else own["scenario"])
    field_path = "route_choice.value_of_time_usd_per_teu_day"
    warnings = [Problem(shown, "appraisal.first_year", note.removeprefix(WARNING))
                for note in notes if note.startswith(WARNING)]
    if differ:
        warnings.append(Problem(str(p.folder / "manifest.json"), f"config.{field_path}",
                                differ))
        notes.append(f"{WARNING}{field_path}: {differ}")
    # the cross pairs (scenario r, counterfactual s != r): independent streams
    cross = []
    for k in range(1, n):
        yk = year_benefits(costs, cf, p, n, cf_index=(np.arange(n) + k) % n)
        fk, _ = extend(yk, costs, n)
        fk.update({key: v for key, v in flows.items() if category[key] == "cost"})
        cross.append(figures_of_merit(fk, category, discount, n)["npv_usd"].to_numpy())
    facts = {
        "scenario": {"folder": str(scenario_dir), "scenario": p.manifest.get("scenario"),
                     "config_hash": p.manifest.get("config_hash"), "replications": p.n},
        "counterfactual": {"folder": str(counterfactual_dir),
                           "scenario": cf.manifest.get("scenario"),
                           "config_hash": cf.manifest.get("config_hash"),
                           "replications": cf.n},
        "seed": p.manifest.get("seed"), "horizon": p.manifest.get("horizon"),
        "pairs": n, "posterior": "posterior" in p.manifest,
        "model_value_of_time_usd_per_teu_day": model_vot,
        "model_values_of_time_usd_per_teu_day": own,
    }
    if "posterior" in p.manifest:
        notes.append("the folders ran posterior draws: each replication is one (draw, "
                     "replication) pair, so the spread covers parameter uncertainty too")
    return Result(costs, shown, a.years, yb.years, n, flows, category, discount, per,
                  yb.quantities,
                  np.concatenate(cross) if cross else np.array([]), facts, yb.notes + notes,
                  warnings)


__all__ = ["QUANTITIES", "Result", "appraise", "cost_flows", "figures_of_merit",
           "model_value_of_time", "time_value_columns", "value_of_time_text",
           "values_of_time_differ", "switching_value"]
