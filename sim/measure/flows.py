"""The KPIs of the boxes themselves: volumes, the published aggregates, and transit,
wait and shares by route and corridor (:func:`sim.measure.kpis.compute`'s first parts).

Each part is a function of its own so that the whole-store arrays it makes (a float or
index per box: ~8 MB each for a baseline run's million boxes) are freed when it returns,
not kept until the last KPI is computed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import OriginTrain, columns
from sim.measure.monitors import PutYears, by_window, counts_in, window_codes, window_index

if TYPE_CHECKING:
    from sim.engine.output import RunOutput
    from sim.scenario.schema import Scenario

Key = tuple[str, str, str]


def year_stats(t: np.ndarray, values: np.ndarray, edges: np.ndarray, p95: bool = False,
               j: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean (and 95th percentile) of ``values`` by the window of ``edges`` that ``t`` falls
    in (``j``: those windows, as :func:`window_index` gives them, if known); NaN where a
    window has no value. ``t`` NaN: not counted."""
    k = window_codes(t, edges) if j is None else j + 1
    mean, q = _group_stats(k, values, len(edges) - 1, p95=p95)[0]
    return mean, (q if p95 else mean)


def year_means(t: np.ndarray, values: Iterable[np.ndarray], edges: np.ndarray
               ) -> list[np.ndarray]:
    """Means of several value arrays by the window of ``edges`` that ``t`` falls in (one
    pass over ``t``; ``values`` may be made one at a time); NaN where a window has no
    value."""
    k = window_codes(t, edges)
    n_win = len(edges) - 1
    count = by_window(k, n_win)
    out = []
    for v in values:
        total = by_window(k, n_win, v)
        out.append(np.divide(total, count, out=np.full(n_win, np.nan), where=count > 0))
    return out


def _corridors_both_ways(s: Scenario) -> set[str]:
    """The corridors whose routes the scenario's flows travel westbound and eastbound (a
    flow's way: its destination west or east of its origin)."""
    ways: dict[str, set[bool]] = {}
    for f in s.demand.flows.values():
        lo, ld = s.nodes[f.origin].lon, s.nodes[f.destination].lon
        if lo != ld:
            for rid in f.routes:
                ways.setdefault(s.routes[rid].corridor, set()).add(ld < lo)
    return {c for c, w in ways.items() if len(w) == 2}


def volume_kpis(out: RunOutput, edges: np.ndarray, K: dict[Key, float], put_years: PutYears,
                where: dict[str, np.ndarray]) -> None:
    """Boxes created, delivered and (``where``: each box's place at the end, if located)
    still in the system; the published aggregates (boxes and TEU counted at the transit
    crossings, Kazakhstan's share of China -> Europe land boxes)."""
    s, st = out.scenario, out.store
    labels = [y.label for y in out.calendar.years()]
    K[("containers_created", "run", "all")] = st.n
    K[("containers_delivered", "run", "all")] = int(np.isfinite(st.t_delivered).sum())
    if where:
        K[("containers_in_system", "run", "all")] = int((~(where["delivered"]
                                                          | where["refused"])).sum())
        for place in ("at_origin", "on_rail", "at_crossing", "at_port", "at_sea"):
            K[("containers_in_system", "run", place)] = int(where[place].sum())
    put_years("containers_created", "all", counts_in(st.t_created, edges))
    put_years("teu_created", "all", counts_in(st.t_created, edges, st.teu))
    put_years("containers_delivered", "all", counts_in(st.t_delivered, edges))

    # -- the published aggregates -------------------------------------------------------
    # per-node lookup tables, indexed by the stores' int16 node codes (-1: none -> last)
    nodes = [s.nodes[n] for n in out.node_ids]
    tc = s.kpis.transit
    from_ok = np.array([n.region in tc.origin_regions for n in nodes] + [False])
    to_ok = np.array([n.region in tc.destination_regions for n in nodes] + [False])
    at_counted = np.array([nid in tc.crossings for nid in out.node_ids] + [False])
    counted = from_ok.take(st.origin) & to_ok.take(st.destination)
    t_first = np.full(st.n, np.nan)
    for k in range(st.slots):
        hit = at_counted.take(st.crossing[k]) & np.isnan(t_first)
        np.copyto(t_first, st.t_crossing["arrive"][k], where=hit)  # (no masked copies)
    t_count = np.where(counted, t_first, np.nan)
    put_years("transit_containers_china_central_asia", "all", counts_in(t_count, edges))
    put_years("transit_teu_china_central_asia", "all", counts_in(t_count, edges, st.teu))

    in_kz = np.array([n.country == "KZ" for n in nodes] + [False])
    ce = china_europe(out) & (st.crossing[0] >= 0)
    t0 = np.where(ce, st.t_crossing["arrive"][0], np.nan)
    kz = in_kz.take(st.crossing[0])
    all_ce = counts_in(t0, edges)
    kz_ce = counts_in(np.where(kz, t0, np.nan), edges)
    put_years("kz_share_china_europe_land", "all",
              np.divide(kz_ce, all_ce, out=np.full(len(labels), np.nan), where=all_ce > 0))


def china_europe(out: RunOutput) -> np.ndarray:
    """Which boxes go from China to Europe (by their origin's and destination's regions),
    made once per run output (volume_kpis and route_kpis both read it)."""
    got = out.cache.get("china_europe")
    if got is None:
        s, st = out.scenario, out.store
        nodes = [s.nodes[n] for n in out.node_ids]
        # lookup tables by the stores' int16 node codes (-1: none -> the last, False)
        is_china = np.array([n.region == "china" for n in nodes] + [False])
        is_europe = np.array([n.region == "europe" for n in nodes] + [False])
        got = out.cache["china_europe"] = is_china.take(st.origin) & is_europe.take(
            st.destination)
    return got


def route_kpis(out: RunOutput, edges: np.ndarray, K: dict[Key, float], put_years: PutYears,
               where: dict[str, np.ndarray], km: bool = True) -> None:
    """Trains, boxes and TEU by route; boxes, transit and origin wait by corridor (and
    way), with (``km``) the transit of each period's boxes, those under way included;
    transit by route; corridor shares of China -> Europe boxes (``where``: each box's
    place at the end).

    The boxes of a corridor are found by a comparison of the routes per route (in row
    order, as a mask over the whole store gives them); their columns are gathered once,
    and its ways' and routes' boxes are masks of them (in the same order)."""
    s, st = out.scenario, out.store
    labels = [y.label for y in out.calendar.years()]
    nodes = [s.nodes[n] for n in out.node_ids]
    ot: OriginTrain[np.ndarray] = columns(out.origin_trains, OriginTrain)
    corridor_of = {rid: s.routes[rid].corridor for rid in out.route_ids}
    for r, rid in enumerate(out.route_ids):
        m = ot.route == r
        put_years("trains_by_route", rid, counts_in(ot.departed_h[m], edges))
        put_years("containers_by_route", rid,
                  counts_in(ot.departed_h[m], edges, ot.boxes[m]))
        put_years("teu_by_route", rid, counts_in(ot.departed_h[m], edges, ot.teu[m]))
    corridors = sorted(set(corridor_of.values()))
    route_corr = np.array([corridors.index(corridor_of[r]) for r in out.route_ids], np.int64)
    delivered = where["delivered"]
    lon = np.array([n.lon for n in nodes] + [np.nan])
    both = _corridors_both_ways(s)
    ce_all = china_europe(out)
    ce_total = counts_in(np.where(ce_all, st.t_depart_origin, np.nan), edges)
    n_win = len(edges) - 1
    by_route: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # transit mean, p95 by route
    for ci, corr in enumerate(corridors):
        routes = np.flatnonzero(route_corr == ci).tolist()
        rows = np.flatnonzero(_any_of(st.route, routes))  # the corridor's boxes, in row order
        # their columns gathered once; a way's are a mask of them (still in row order)
        box = _Cohort.of(st, rows, delivered[rows], edges, out.calendar.end_h)
        wait = box.departed_h - st.t_created[rows]
        wait /= 24.0
        wait_mean = year_stats(box.departed_h, wait, edges, j=box.j)[0]  # (reported below)
        del wait
        ways: list[tuple[str, np.ndarray | None]] = [(corr, None)]
        if corr in both:  # flows use it both ways: each way apart too (one at a time)
            lon_to, lon_from = lon.take(st.destination[rows]), lon.take(st.origin[rows])
            ways += [(f"{corr}:westbound", lon_to < lon_from),
                     (f"{corr}:eastbound", lon_to > lon_from)]
            del lon_to, lon_from
        for scope, m in ways:
            b = box if m is None else box.where(m)
            put_years("containers_by_corridor", scope, counts_in(b.departed_h, edges))
            mean, p95 = _group_stats(b.k_done, b.days, n_win)[0]
            put_years("transit_time_days_mean", scope, mean)
            put_years("transit_time_days_p95", scope, p95)
            if km:
                put_years("transit_time_days_km", scope, _cohort_km(b.days, b.done, b.j, n_win))
            put_years("in_transit_at_period_end_share", scope,
                      _under_way(b.j, b.delivered_h, edges))
            del b
        del ways
        put_years("origin_wait_days_mean", corr, wait_mean)
        K[("containers_in_transit_at_end", "run", corr)] = int((~box.done).sum())
        put_years("corridor_share_china_europe", corr,
                  np.divide(counts_in(box.departed_h[ce_all[rows]], edges), ce_total,
                            out=np.full(len(labels), np.nan), where=ce_total > 0))
        # the corridor's routes' boxes delivered, in row order (every box of a route is in
        # its corridor's rows): their transit, reported below
        local = np.zeros(len(out.route_ids), np.int64)
        local[routes] = np.arange(len(routes))
        for r, stats in zip(routes, _group_stats(box.k_done, box.days, n_win,
                                                 local.take(st.route[rows]), len(routes))):
            by_route[r] = stats
        del box
    K[("containers_in_transit_at_end", "run", "not_departed")] = int(where["at_origin"].sum())
    out.cache.pop("china_europe", None)  # (read by volume_kpis and here: not kept longer)
    for r, rid in enumerate(out.route_ids):  # and by route, within a corridor
        mean, p95 = by_route[r]
        put_years("transit_time_days_mean", rid, mean)
        put_years("transit_time_days_p95", rid, p95)


def km_mean(days: np.ndarray, event: np.ndarray) -> float:
    """Kaplan-Meier mean of ``days`` where ``event`` is False for a value that is only a
    lower bound (a box still under way: censored there): the area under the survival
    curve up to the longest value, so a lower bound itself when that one is censored;
    the plain mean when nothing is; NaN for no value. A box censored at the hour another
    arrives was still at risk then.

    The curve steps only at the events: the i-th of the k sorted events has the k - i
    events from it on and the censored values not below it at risk."""
    if len(days) == 0:
        return math.nan
    ev = np.sort(days[event])
    cens = np.sort(days[~event])
    k = len(ev)
    # censored values below each event: a censored value c is below the events from the
    # first one above it on (fewer binary searches than one per event: most boxes arrive)
    below = np.cumsum(np.bincount(np.searchsorted(ev, cens, side="right"),
                                  minlength=k + 1)[:k])
    at_risk = np.subtract(np.arange(k + len(cens), len(cens), -1), below, out=below)
    surv = np.divide(1.0, at_risk)  # (in place from here: the same values)
    np.subtract(1.0, surv, out=surv)
    np.cumprod(surv, out=surv)
    # the area: each step from one event to the next (np.diff(ev, prepend=0.0)) times the
    # survival before it (1, then surv), summed as one array as ever; then the tail
    area = np.empty(k)
    area[:1] = ev[:1]
    np.subtract(ev[1:], ev[:-1], out=area[1:])
    np.multiply(surv[:-1], area[1:], out=area[1:])
    tail = max(float(days.max()) - (float(ev[-1]) if k else 0.0), 0.0)
    return float(np.sum(area) + (surv[-1] if k else 1.0) * tail)


@dataclass
class _Cohort:
    """Columns of some boxes (in row order): the hours they left their origin and were
    delivered, whether delivered by the end (``done``), the window of ``edges`` they left
    in (``j``), their days from arrival at the origin to delivery or, not delivered, to the
    end of the run, and the window they were delivered in (``k_done``)."""

    departed_h: np.ndarray
    delivered_h: np.ndarray
    done: np.ndarray
    j: np.ndarray
    days: np.ndarray
    k_done: np.ndarray  # the window delivered in (monitors.window_codes), 0: not delivered

    @classmethod
    def of(cls, st, rows: np.ndarray, done: np.ndarray, edges: np.ndarray, end_h: float
           ) -> _Cohort:
        delivered = st.t_delivered[rows]
        departed = st.t_depart_origin[rows]
        days = np.where(done, delivered, end_h)
        days -= st.t_created[rows]
        days /= 24.0  # (for a box delivered: its transit days)
        k = window_codes(delivered, edges)
        k *= done
        # (the windows' codes in a byte each while kept, when they fit: the same codes)
        small = np.int8 if len(edges) < 100 else np.int64
        return cls(departed, delivered, done,
                   window_index(departed, edges).astype(small, copy=False), days,
                   k.astype(small, copy=False))

    def where(self, m: np.ndarray) -> _Cohort:
        return _Cohort(*(a[m] for a in (self.departed_h, self.delivered_h, self.done,
                                        self.j, self.days, self.k_done)))


def _group_stats(k: np.ndarray, values: np.ndarray, n_win: int,
                 group: np.ndarray | None = None, n_groups: int = 1, p95: bool = True
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per group (``group``: a code 0 .. n_groups - 1 per element; None: one group), the
    mean and 95th percentile of ``values`` by window (``k``: :func:`window_codes`, 0 or
    ``n_win + 1``: in none; ``p95`` False: NaN for the percentiles, not computed); NaN
    where none. One bincount for every group and window: each (group, window)'s values
    added in their order."""
    nb = n_win + 2
    key = k if group is None else group * nb + k
    count = np.bincount(key, minlength=n_groups * nb).reshape(n_groups, nb)
    total = np.bincount(key, weights=values, minlength=n_groups * nb).reshape(n_groups, nb)
    out = []
    for g in range(n_groups):
        c, t = count[g, 1:n_win + 1], total[g, 1:n_win + 1]
        mean = np.divide(t, c, out=np.full(n_win, np.nan), where=c > 0)
        q = np.full(n_win, np.nan)
        for y in (np.flatnonzero(c).tolist() if p95 else []):  # (a copy: partitioned in place)
            q[y] = np.quantile(values[key == g * nb + y + 1], 0.95, overwrite_input=True)
        out.append((mean, q))
    return out


def cohort_km_means(st, rows: np.ndarray, done: np.ndarray, end_h: float,
                    edges: np.ndarray) -> np.ndarray:
    """Per window of ``edges``, the Kaplan-Meier mean days from arrival at the origin to
    delivery of the boxes at ``rows`` that left their origin in it, as
    ``containers_by_corridor`` counts them (``done``: which were delivered; the others
    are censored at their age at ``end_h``); NaN where none left."""
    b = _Cohort.of(st, rows, done, edges, end_h)
    return _cohort_km(b.days, b.done, b.j, len(edges) - 1)


def _cohort_km(days: np.ndarray, done: np.ndarray, j: np.ndarray, n_win: int) -> np.ndarray:
    """:func:`cohort_km_means` of boxes' ``days`` (delivered or censored: ``done``) by the
    window ``j`` they left their origin in."""
    out = np.full(n_win, math.nan)
    for y in range(n_win):
        m = j == y
        if m.all():  # (every box in the one window: no copies)
            out[y] = km_mean(days, done)
        elif m.any():
            out[y] = km_mean(days[m], done[m])
    return out


def under_way_at_end(st, rows: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per window of ``edges``, the share of the boxes at ``rows`` that left their origin in
    it (as ``containers_by_corridor`` counts them) and were not delivered before its end
    (those never delivered in the run count as under way); NaN where none left."""
    return _under_way(window_index(st.t_depart_origin[rows], edges), st.t_delivered[rows],
                      edges)


def _under_way(j: np.ndarray, delivered_h: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """:func:`under_way_at_end` of boxes that left their origin in window ``j`` and were
    delivered at ``delivered_h``."""
    n = len(edges) - 1
    if n <= 8:  # few windows: counted in integers (the same whole numbers), window by window
        went, late_n = np.zeros(n), np.zeros(n)
        for y in range(n):
            m = j == y
            went[y] = np.count_nonzero(m)
            m &= delivered_h < edges[y + 1]
            late_n[y] = went[y] - np.count_nonzero(m)  # NaN: not delivered, so under way
        return np.divide(late_n, went, out=np.full(n, np.nan), where=went > 0)
    ok = (j >= 0) & (j < n)
    ends = np.asarray(edges, float)[np.minimum(j + 1, n)]
    late = ~(delivered_h < ends)  # NaN: not delivered, so under way
    left = np.bincount(j[ok], minlength=n).astype(float)
    still = np.bincount(j[ok], weights=late[ok].astype(float), minlength=n)
    return np.divide(still, left, out=np.full(n, np.nan), where=left > 0)


def _any_of(codes: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Whether each of ``codes`` is one of ``wanted`` (a few: one comparison each)."""
    m = np.zeros(len(codes), bool)
    for c in wanted:
        m |= codes == c
    return m
