"""Cost and CO2e per box (``cost_usd_per_feu_mean``, ``co2e_kg_per_teu_mean``,
``co2e_t_total``), for scenarios with a ``[costs]`` table.

Each (flow, route)'s cost per FEU in each calendar year and CO2e per TEU are computed
once (:mod:`sim.scenario.leg_costs`, the figures a route choice reads) and mapped onto
the boxes by their flow, route and the year they left their origin (a box pays the
rates of that year): a box costs its pair's rate x its TEU / 2 and emits its pair's
CO2e per TEU x its TEU. The KPIs count the boxes delivered in the period.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from sim.measure.monitors import PutYears, window_index
from sim.scenario.leg_costs import (
    route_co2e_kg_per_teu,
    route_cost_usd_per_feu,
    route_elements,
)
from sim.scenario.network import link_index, routes_of

if TYPE_CHECKING:
    from sim.engine.output import RunOutput


KPIS: dict[str, tuple[str, str]] = {
    "cost_usd_per_feu_mean": ("USD/FEU", "all-in cost of the boxes delivered in the "
                              "period (rail by country, border crossings, ports, vessel "
                              "freight; costs table, at the rates of the year each box "
                              "left its origin) over their FEU (TEU / 2), by route and by "
                              "corridor; scenarios with [costs] only"),
    "co2e_kg_per_teu_mean": ("kg/TEU", "well-to-wheel CO2e of the boxes delivered in the "
                             "period (rail tonne-km by country, vessel passages) over their "
                             "TEU, by route and by corridor; scenarios with [costs] only"),
    "co2e_t_total": ("tonnes", "CO2e of all the boxes delivered in the period, in all and "
                     "by corridor; scenarios with [costs] only"),
}


def pair_tables(out: RunOutput, years: list[int], used: set[int] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Cost per FEU by (flow code, route code, year of ``years``) and CO2e per TEU by
    (flow code, route code), in the run's code order; NaN for a route the flow never
    takes, and for the years not in ``used`` (if given: those some box pays)."""
    s = out.scenario
    n_f, n_r = len(out.flow_ids), len(out.route_ids)
    usd = np.full((n_f, n_r, len(years)), np.nan)
    kg = np.full((n_f, n_r), np.nan)
    code = {rid: r for r, rid in enumerate(out.route_ids)}
    priced = [(i, y) for i, y in enumerate(years) if used is None or y in used]
    links = link_index(s)  # (made once, not once per pair)
    for f, fid in enumerate(out.flow_ids):
        for rid in routes_of(s, fid):
            r = code.get(rid)
            if r is None:
                continue
            elements = route_elements(s, fid, rid, links)  # (the same in every year)
            for i, y in priced:
                usd[f, r, i] = route_cost_usd_per_feu(s, fid, rid, y, elements)
            kg[f, r] = route_co2e_kg_per_teu(s, fid, rid, elements)
    return usd, kg


def box_costs(out: RunOutput, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost (USD) and CO2e (kg) of the boxes of the record store at ``rows`` (NaN for those
    that never left their origin). Computed for those rows only, and not kept: the KPIs
    read them once, and for every box of a run they are tens of MB."""
    st, cal = out.store, out.calendar
    years = list(range(cal.t0.year, cal.end.year + 1))
    jan1_h = np.array([cal.hours(dt.date(y, 1, 1)) for y in years[1:]])
    # each box's place in the flattened tables; -1 (a NaN appended to each) for a box
    # that never left its origin: whole-column steps, no masked copies
    # (in place where it can be: the same values, fewer arrays of every box at once)
    route = st.route[rows]
    pair = st.flow[rows].astype(np.int64)
    y = np.searchsorted(jan1_h, st.t_depart_origin[rows], side="right")
    np.minimum(y, len(years) - 1, out=y)
    # the rates of the years some box that left its origin pays (no other is read)
    paid = np.bincount(y[route >= 0], minlength=len(years))
    usd, kg = pair_tables(out, years, {yr for yr, n in zip(years, paid) if n})
    pair *= usd.shape[1]
    pair += route
    pair[route < 0] = -1
    at = pair * len(years)
    at += y
    del y
    at[pair < 0] = -1
    teu = st.teu[rows]
    cost = np.append(usd.reshape(-1), np.nan)[at]
    del at
    cost *= teu
    cost /= 2
    co2e = np.append(kg.reshape(-1), np.nan)[pair]
    co2e *= teu
    return cost, co2e


def cost_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """The cost and CO2e KPIs per year (see :data:`KPIS`) of a scenario with costs."""
    s, st = out.scenario, out.store
    # the boxes delivered within a window, with their window: one pass over the store,
    # then sums by (route, window) and (corridor, window), in row order as ever
    n_w = len(edges) - 1
    j = window_index(st.t_delivered, edges)
    rows = np.flatnonzero((st.route >= 0) & (j >= 0) & (j < n_w))
    j, route = j[rows], st.route[rows]  # (int16 until grouped)
    teu = st.teu[rows]  # (int8: bincount reads its weights as floats)
    cost, co2e = box_costs(out, rows)
    del rows
    corridor = [s.routes[rid].corridor for rid in out.route_ids]
    corridors = sorted(set(corridor))
    of_route = np.array([corridors.index(c) for c in corridor], np.int64)

    def by(key: np.ndarray, n: int, w: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=w, minlength=n * n_w).reshape(n, n_w)
    for n, of, names in ((len(out.route_ids), None, out.route_ids),
                         (len(corridors), of_route, corridors)):
        key = np.multiply(route if of is None else of[route], n_w, dtype=np.int64)
        key += j  # (one grouping at a time)
        n_teu, usd, kg = by(key, n, teu), by(key, n, cost), by(key, n, co2e)
        del key
        for g, scope in enumerate(names):
            empty = np.full(n_w, np.nan)
            put_years("cost_usd_per_feu_mean", scope,
                      np.divide(usd[g], n_teu[g] / 2, out=empty.copy(), where=n_teu[g] > 0))
            put_years("co2e_kg_per_teu_mean", scope,
                      np.divide(kg[g], n_teu[g], out=empty.copy(), where=n_teu[g] > 0))
            if scope in corridor:
                put_years("co2e_t_total", scope, kg[g] / 1000.0)
    put_years("co2e_t_total", "all", np.bincount(j, weights=co2e, minlength=n_w) / 1000.0)
