"""The benefits of a scenario against its counterfactual, per simulated year and
replication, from the KPIs of two result folders (never re-runs anything).

Which KPI feeds which benefit (cf: the counterfactual, p: the scenario; c: a corridor,
the ``corridor`` of the scenarios' routes; Q_c: the corridor's TEU, the sum of
``teu_by_route`` over its routes, TEU leaving their origin in the year):

* time (USD) = value of time (USD/TEU-day) x box-days saved, with box-days saved
  (TEU-days) = sum over c of 1/2 (Q_c,cf + Q_c,p) x (T_c,cf - T_c,p), T_c =
  ``transit_time_days_mean`` of the corridor (days, boxes delivered in the year), or
  with ``benefits.transit = "departed"`` ``transit_time_days_km`` (boxes that left their
  origin in the year, as Q_c counts them, those still under way counted by Kaplan-Meier);
* shipper_cost (USD) = sum over c of 1/2 (Q_c,cf + Q_c,p) x (P_c,cf - P_c,p) / 2,
  P_c = ``cost_usd_per_feu_mean`` of the corridor (USD/FEU; / 2 per TEU);
* co2e (USD) = carbon price (USD/t) x CO2e saved (t), with CO2e saved =
  ``co2e_t_total`` (all) cf - p, plus, when the costs file gives the sea's kg per TEU,
  (``containers_to_sea`` cf - p) x TEU per box (``teu_created`` / ``containers_created``
  of the scenario) x kg per TEU / 1000;
* margin (USD) = margin (USD/TEU) x TEU gained, with TEU gained = sum over the costs
  file's corridors of Q_c,p - Q_c,cf.

No double counting: time and shipper_cost are the two parts of the shippers' generalised
cost (time valued, money paid), each taken once per corridor by the rule of a half, so a
box that changes corridor is valued by the change of the corridors' times and costs, not
by its own move; co2e is the rest of the world's, valued only at the carbon price; margin
is the operators' surplus on the volume they gain (tariff less the costs that vary with
the boxes: the fixed costs are cost items, never in the margin). The tariffs' change on
boxes that stay is a transfer from operators to shippers that this first cut counts on
the shippers' side only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.scenario.problems import Problem, did_you_mean
from sim.study.appraisal.schema import CostsFile
from sim.study.compare import read_run

ITEMS = ("time", "shipper_cost", "co2e", "margin")
"""The benefit items, in the order of the tables."""

LABELS = {"time": "time saved (value of time)", "shipper_cost": "shippers' cost saved",
          "co2e": "CO2e saved (carbon price)", "margin": "operators' margin on TEU gained"}

NEEDS = {"time": ("teu_by_route", "transit_time_days_mean"),
         "shipper_cost": ("teu_by_route", "cost_usd_per_feu_mean"),
         "co2e": ("co2e_t_total",),
         "margin": ("teu_by_route",)}


def needs(costs: CostsFile) -> dict[str, tuple[str, ...]]:
    """The KPIs each benefit reads, with the transit KPI the costs file chooses
    (``benefits.transit``)."""
    return {**NEEDS, "time": ("teu_by_route", costs.benefits.transit_kpi)}


@dataclass
class Run:
    """A run folder's KPIs as arrays over its replications, and its routes' corridors."""

    folder: Path
    manifest: dict
    values: dict[tuple[str, str, str], np.ndarray]
    corridor_of: dict[str, str]

    @property
    def names(self) -> set[str]:
        return {k[0] for k in self.values}

    @property
    def n(self) -> int:
        """The folder's replications."""
        return int(self.manifest.get("replications") or 1)

    def get(self, name: str, year: int, scope: str, cols: np.ndarray) -> np.ndarray:
        """The KPI's values of replications ``cols`` (NaN when there is no such row)."""
        v = self.values.get((name, str(year), scope))
        return np.full(len(cols), math.nan) if v is None else v[cols]

    def years(self) -> list[int]:
        """The whole calendar years the run simulated (a year it covers in part — a run
        of two months labels its KPIs by its year too — is no year of benefits)."""
        h = self.manifest.get("horizon") or {}
        try:
            start = dt.date.fromisoformat(str(h["start"]))
            end = dt.date.fromisoformat(str(h["end"]))
        except (KeyError, ValueError):
            return []
        labelled = {int(k[1]) for k in self.values if k[1].isdigit()}
        return sorted(y for y in labelled
                      if start <= dt.date(y, 1, 1) and dt.date(y + 1, 1, 1) <= end)


def read(folder: str | Path) -> Run:
    """A run folder (``corridor run``), checked as ``corridor compare`` checks it."""
    man, recs = read_run(folder)
    values = {(r["name"], r["period"], r["scope"]):
              np.array([math.nan if v is None else v for v in r["values"]], float)
              for r in recs}
    routes = (man.get("config") or {}).get("routes") or {}
    corridor_of = {str(rid): str(r["corridor"]) for rid, r in routes.items()
                   if isinstance(r, dict) and isinstance(r.get("corridor"), str)}
    return Run(Path(folder), man, values, corridor_of)


def pair_problems(cf: Run, p: Run) -> list[Problem]:
    """Why two folders cannot be appraised against each other (common random numbers
    need the same seed; the years must match)."""
    where = str(p.folder / "manifest.json")
    out = []
    for key, why in (("seed", "paired replications need the same seed (run both with "
                      "--seed)"), ("horizon", "the simulated years would not match")):
        if cf.manifest.get(key) != p.manifest.get(key):
            out.append(Problem(where, key, f"{p.manifest.get(key)} differs from the "
                               f"counterfactual's {cf.manifest.get(key)}; {why}"))
    if cf.manifest.get("posterior") != p.manifest.get("posterior"):
        out.append(Problem(where, "posterior", "the folders ran different posterior draws "
                           "(or one ran none): replication r must be the same parameter "
                           "set in both (run both with the same --posterior and "
                           "--posterior-draws)"))
    return out


@dataclass
class YearBenefits:
    """Benefits per simulated year (rows) and replication (columns), undiscounted USD,
    and the physical quantities behind them."""

    years: list[int]
    usd: dict[str, np.ndarray]                        # item -> (years x replications)
    quantities: dict[str, np.ndarray]                 # name -> (years x replications)
    notes: list[str] = field(default_factory=list)


QUANTITIES = {"box_days_saved": "TEU-days", "co2e_saved": "t CO2e", "teu_gained": "TEU",
              "shipper_cost_saved_per_teu": "USD/TEU"}


def check_kpis(costs: CostsFile, runs: list[Run], shown: str) -> list[Problem]:
    """A benefit counted needs its KPIs in both folders."""
    on = costs.benefits.model_dump()
    problems = []
    for item in ITEMS:
        if not on[item]:
            continue
        for run in runs:
            for name in needs(costs)[item]:
                if name not in run.names:
                    why = (" (the scenario has no [costs] table)" if name in
                           ("cost_usd_per_feu_mean", "co2e_t_total") else "")
                    problems.append(Problem(str(run.folder / "kpis.json"), name,
                                            f"no rows{why}: the benefit '{item}' needs them; "
                                            f"set benefits.{item} = false in the costs "
                                            "file, or run the scenario with them"))
    known = set().union(*(set(r.corridor_of.values()) for r in runs))
    for i, c in enumerate(costs.margin.corridors):
        if on["margin"] and c not in known:
            problems.append(Problem(shown, f"margin.corridors[{i}]", f"'{c}' is "
                                    f"no corridor of the scenarios ({did_you_mean(c, known)})"))
    return problems


def _teu(run: Run, corridor: str, year: int, cols: np.ndarray) -> np.ndarray:
    """Q_c: TEU leaving their origin in ``year`` on the corridor's routes."""
    total = np.zeros(len(cols))
    for rid, c in run.corridor_of.items():
        if c == corridor:
            total += np.nan_to_num(run.get("teu_by_route", year, rid, cols))
    return total


def year_benefits(costs: CostsFile, cf: Run, p: Run, n: int,
                  cf_index: np.ndarray | None = None) -> YearBenefits:
    """The benefits of ``p`` against ``cf`` for each simulated year both have, pairing
    replication r of ``p`` with replication ``cf_index[r]`` of ``cf`` (default: r, the
    common-random-number pairs)."""
    idx = np.arange(n) if cf_index is None else np.asarray(cf_index)
    own = np.arange(n)
    years = sorted(set(cf.years()) & set(p.years()))
    corridors = sorted(set(cf.corridor_of.values()) | set(p.corridor_of.values()))
    on = costs.benefits.model_dump()
    transit = costs.benefits.transit_kpi
    shape = (len(years), n)
    usd = {k: np.zeros(shape) for k in ITEMS if on[k]}
    q = {k: np.zeros(shape) for k in QUANTITIES}
    skipped: set[str] = set()
    for i, y in enumerate(years):
        weight_total = np.zeros(n)
        for c in corridors:
            q_cf, q_p = _teu(cf, c, y, idx), _teu(p, c, y, own)
            w = 0.5 * (q_cf + q_p)
            t_cf = cf.get(transit, y, c, idx)
            t_p = p.get(transit, y, c, own)
            dt = t_cf - t_p
            ok = np.isfinite(dt)
            if np.any(~ok & (w > 0)):
                skipped.add(f"{c} {y}")
            q["box_days_saved"][i] += np.where(ok, w * np.nan_to_num(dt), 0.0)
            if "shipper_cost" in usd:
                c_cf = cf.get("cost_usd_per_feu_mean", y, c, idx)
                c_p = p.get("cost_usd_per_feu_mean", y, c, own)
                dc = (c_cf - c_p) / 2.0
                good = np.isfinite(dc)
                usd["shipper_cost"][i] += np.where(good, w * np.nan_to_num(dc), 0.0)
                weight_total += np.where(good, w, 0.0)
            if c in costs.margin.corridors:
                q["teu_gained"][i] += q_p - q_cf
        if "time" in usd:
            usd["time"][i] = costs.value_of_time.usd_per_teu_day * q["box_days_saved"][i]
        if "shipper_cost" in usd:
            q["shipper_cost_saved_per_teu"][i] = np.divide(
                usd["shipper_cost"][i], weight_total, out=np.full(n, math.nan),
                where=weight_total > 0)
        co2 = (np.nan_to_num(cf.get("co2e_t_total", y, "all", idx))
               - np.nan_to_num(p.get("co2e_t_total", y, "all", own)))
        kg = costs.carbon.sea_kg_per_teu
        if kg is not None:
            sea_cf = cf.get("containers_to_sea", y, "all", idx)
            sea_p = p.get("containers_to_sea", y, "all", own)
            per_box = (p.get("teu_created", y, "all", own)
                       / p.get("containers_created", y, "all", own))
            co2 += np.nan_to_num((sea_cf - sea_p) * per_box * kg / 1000.0)
        q["co2e_saved"][i] = co2
        if "co2e" in usd:
            usd["co2e"][i] = costs.carbon.usd_per_t * co2
        if "margin" in usd:
            usd["margin"][i] = costs.margin.usd_per_teu * q["teu_gained"][i]
    notes = []
    if skipped:
        notes.append("no transit time in one of the scenarios (no box delivered) while TEU "
                     "moved, so no time benefit counted for: " + ", ".join(sorted(skipped)))
    if costs.carbon.sea_kg_per_teu is not None and "containers_to_sea" not in p.names:
        notes.append("carbon.sea_kg_per_teu given but the folders have no containers_to_sea "
                     "(no sea alternative): the sea's CO2e is not counted")
    return YearBenefits(years, usd, q, notes)
