"""Demand: container arrivals at origin terminals, per flow, for the whole run.

Arrivals are a non-homogeneous Poisson process with a rate that is constant within each
day: the flow's yearly volume (grown from the base year, times ``demand.scale``) spread
over the months by the seasonality factors (the flow's own in a year it gives them),
weighted by the days in each month so that the expected yearly total is exactly the
yearly volume. They are drawn up front, all at once, from the flow's own demand stream;
no SimPy events are involved.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.engine.randomness import stream
from sim.engine.records import ContainerStore
from sim.scenario.kinds import kind_of
from sim.scenario.network import flow_path, link_index, routes_of
from sim.scenario.schema import Demand, Flow, Scenario

if TYPE_CHECKING:
    from sim.engine.output import Calendar


def spread_over_days(per_year: Callable[[int], float], seasonality: list[float],
                     first_day: dt.date, n_days: int,
                     by_year: dict[int, list[float]] | None = None) -> np.ndarray:
    """Expected count on each day from ``first_day`` on, of something that happens
    ``per_year(y)`` times in calendar year y, spread over the months by the seasonality
    weights (``by_year[y]`` instead in a year it gives) and the days in each month (so that
    each year's expected total is exact)."""
    out = np.empty(n_days)
    # calendar month of each day, as months since January 1970
    months = (np.datetime64(first_day, "D") + np.arange(n_days)).astype("datetime64[M]")
    months = months.astype(np.int64)
    year, month = months // 12 + 1970, months % 12
    for y in np.unique(year).tolist():
        season = np.asarray((by_year or {}).get(y, seasonality), dtype=float)
        days_in = np.array([calendar.monthrange(y, m)[1] for m in range(1, 13)], float)
        weight = (season * days_in).sum()
        per_month = per_year(y) * season / weight if weight > 0 else season * 0
        in_year = year == y
        out[in_year] = per_month[month[in_year]]
    return out


def daily_rates(demand: Demand, flow: Flow, first_day: dt.date, n_days: int) -> np.ndarray:
    """Expected boxes of a flow on each day from ``first_day`` on: its volume, times its
    market factor in a year that has one (a flow the sea competes for: its candidates at
    reference conditions, :mod:`sim.scenario.mode_split`)."""
    def volume(y: int) -> float:
        factor = flow.market_factor_by_year.get(y, 1.0)
        return flow.volume(y, demand.base_year) * factor * demand.scale
    return spread_over_days(volume, demand.seasonality, first_day, n_days,
                            flow.seasonality_by_year)


def arrivals(rng: np.random.Generator, rates_per_day: np.ndarray, share_40ft: float,
             process: str = "poisson", batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (hours from the first day's midnight, sorted) and sizes (20/40 ft).

    ``poisson``: Poisson counts per day, uniform times within the day. ``deterministic``:
    day d gets ``floor(cum_d) - floor(cum_{d-1})`` boxes (cum: cumulative expected count),
    evenly spaced at the middles of equal slices of the day. ``batch`` > 1: boxes come
    ``batch`` at a time (a whole block train): the batches follow the process at
    ``rates_per_day / batch``, so the expected boxes a day are the same (Poisson;
    deterministic arrivals come in whole batches only, the last part-batch dropped).
    """
    if batch > 1:
        times, _ = _times(rng, rates_per_day / batch, process)
        times = np.repeat(times, batch)
    else:
        times, _ = _times(rng, rates_per_day, process)
    size = np.where(rng.random(len(times)) < share_40ft, 40, 20).astype(np.int8)
    return times, size


def _times(rng: np.random.Generator, rates_per_day: np.ndarray, process: str
           ) -> tuple[np.ndarray, int]:
    """Arrival times by the process (see :func:`arrivals`) and their number."""
    days = np.arange(len(rates_per_day), dtype=float) * 24.0
    if process == "deterministic":
        cum = np.floor(np.cumsum(rates_per_day) + 1e-9).astype(np.int64)
        counts = np.diff(cum, prepend=0)
        total = int(counts.sum())
        starts = np.repeat(days, counts)
        n_day = np.repeat(counts, counts)
        slot = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        times = starts + (slot + 0.5) * 24.0 / np.maximum(n_day, 1)
    else:
        counts = rng.poisson(rates_per_day)
        total = int(counts.sum())
        times = np.sort(np.repeat(days, counts) + rng.uniform(0.0, 24.0, total))
    return times, total


class Candidates(NamedTuple):
    """A market flow's candidate boxes (:mod:`sim.engine.market`), in arrival order: a box
    goes by rail if its uniform ``u`` falls below the day's acceptance."""

    t_h: np.ndarray
    size_ft: np.ndarray
    u: np.ndarray


def make_store(scenario: Scenario, calendar: Calendar, seed: int, replication: int,
               node_code: dict[str, int], headroom: dict[str, float] | None = None
               ) -> tuple[ContainerStore, np.ndarray, dict[int, Candidates]]:
    """Every container of the run, drawn up front from each flow's demand stream: the
    record store (rows flow by flow, each flow's in arrival order), the first row of
    each flow (and, last, the number of rows), and the candidates of the flows that split
    a market with the sea (``headroom``: flow id -> candidates per reference rail box;
    their boxes take the store's spare rows as they are created, during the run)."""
    s, cal = scenario, calendar
    headroom = headroom or {}
    n_days = (cal.end - cal.t0).days
    parts = []
    market: dict[int, Candidates] = {}
    for f, (fid, flow) in enumerate(s.demand.flows.items()):
        rng = stream(seed, "demand", replication, fid)
        rates = daily_rates(s.demand, flow, cal.t0, n_days)
        batch = (s.nodes[flow.origin].boxes_per_train or 1
                 if flow.arrives_as == "block_trains" else 1)
        if fid in headroom:
            t, size = arrivals(rng, rates * headroom[fid], s.demand.share_40ft,
                               s.demand.arrival_process, batch)
            # one uniform per arrival (a block train's boxes share one)
            u = np.repeat(stream(seed, "mode", replication, fid).random(-(-len(t) // batch)),
                          batch)[:len(t)]
            market[f] = Candidates(t, size, u)
            t, size = t[:0], size[:0]
        else:
            t, size = arrivals(rng, rates, s.demand.share_40ft, s.demand.arrival_process,
                               batch)
        parts.append((f, flow, t, size))
    # rows flow by flow, each flow's in arrival order (no global sort needed)
    counts = [len(p[2]) for p in parts]
    flow_rows = np.cumsum([0, *counts])
    flow_code = np.repeat(np.arange(len(parts)), counts)
    origin = np.repeat([node_code[p[1].origin] for p in parts], counts)
    dest = np.repeat([node_code[p[1].destination] for p in parts], counts)
    size = np.concatenate([p[3] for p in parts]) if parts else np.empty(0, np.int8)
    t_all = np.concatenate([p[2] for p in parts]) if parts else np.empty(0)
    links = link_index(s)  # (once: flow_path would index the links at each call)
    slots = max((sum(1 for nid in flow_path(s, fl.origin, fl.destination, rid, links)
                     if kind_of(s.nodes[nid]).joins_gauges)
                 for fid, fl in s.demand.flows.items() for rid in routes_of(s, fid)),
                default=0)
    spare = sum(len(c.t_h) for c in market.values())
    return (ContainerStore(flow_code, origin, dest, size, t_all, max(slots, 1), spare),
            flow_rows, market)
