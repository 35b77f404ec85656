"""Key performance indicators of one replication, from the record store and facility logs.

Each KPI is keyed by (name, period, scope): period is a calendar year of the reported
horizon (``"2024"``) or ``"run"`` (the whole simulation, warm-up included); scope is
``"all"`` or the id of a route, corridor, crossing or link direction. :data:`KPIS` is the
one catalogue of names, units and definitions (the README's KPI table is generated from
it). Undefined values (a mean over no containers) are NaN.
"""

from __future__ import annotations

import numpy as np

from .facilities.disruptions import merge
from .intervals import crossing_record, link_directions
from .model import RunOutput
from .monitors import counts_in, rows_array, window_index, window_max, window_means

KPIS: dict[str, tuple[str, str]] = {
    "containers_created": ("containers", "boxes arriving at their origin terminal (period run: "
                           "whole simulation incl. warm-up)"),
    "containers_delivered": ("containers", "boxes arriving at their destination terminal"),
    "containers_in_system": ("containers", "boxes created but not delivered at the end of the "
                             "run, by where they are (scope at_origin / on_rail / at_crossing) "
                             "or in all"),
    "containers_in_transit_at_end": ("containers", "boxes not delivered at the end of the run, "
                                     "by corridor of the route their train took"),
    "teu_created": ("TEU", "TEU arriving at their origin terminal"),
    "transit_containers_china_central_asia": (
        "containers", "boxes whose origin and destination regions are in kpis.transit, counted "
        "on arrival at the first kpis.transit crossing they reach (default: China -> Europe "
        "boxes at Dostyk and Altynkol)"),
    "transit_teu_china_central_asia": ("TEU", "the same boxes in TEU"),
    "kz_share_china_europe_land": ("fraction", "of China -> Europe boxes arriving at their "
                                   "first (China) border crossing, the share arriving at a "
                                   "crossing in Kazakhstan"),
    "containers_by_route": ("containers", "boxes leaving their origin on block trains of the "
                            "route"),
    "teu_by_route": ("TEU", "TEU leaving their origin on block trains of the route"),
    "trains_by_route": ("trains", "block trains leaving their origin on the route"),
    "containers_by_corridor": ("containers", "boxes leaving their origin on routes of the "
                               "corridor"),
    "containers_by_crossing": ("containers", "boxes arriving at the crossing"),
    "teu_by_crossing": ("TEU", "TEU arriving at the crossing"),
    "trains_by_crossing": ("trains", "inbound trains arriving at the crossing"),
    "transit_time_days_mean": ("days", "mean time from arrival at the origin terminal to "
                               "arrival at the destination, boxes delivered in the period, by "
                               "corridor"),
    "transit_time_days_p95": ("days", "95th percentile of the same"),
    "border_dwell_hours_mean": ("hours", "mean time from a box's arrival at the crossing to "
                                "its departure on the other gauge, boxes departing in the "
                                "period"),
    "border_handling_hours_mean": ("hours", "part of the dwell spent queueing for a track, "
                                   "yard space and a crane, and being unloaded"),
    "border_customs_hours_mean": ("hours", "part of the dwell spent in customs/inspection"),
    "border_consolidation_hours_mean": ("hours", "part of the dwell spent waiting for the "
                                        "outbound train to fill or leave"),
    "utilisation": ("fraction", "crossings: busy crane-hours / crane-hours in force; links: "
                    "trains entering / train paths offered (open hours over the headway), "
                    "per direction"),
    "mean_queue": ("trains", "time-average number of trains waiting: at crossings for a "
                   "track, yard space or a crane; on links for a train path"),
    "yard_occupancy_teu_mean": ("TEU", "time-average TEU unloaded at the crossing and not yet "
                                "departed"),
    "yard_utilisation": ("fraction", "yard_occupancy_teu_mean / yard_capacity_teu"),
    "peak_queue": ("trains", "most trains waiting at once: at crossings for a track, yard "
                   "space or a crane; on links for a train path"),
    "closure_hours": ("hours", "hours the facility (crossing or link) was closed, by "
                      "timeline closures and random disruptions together"),
}

Key = tuple[str, str, str]


def year_stats(t: np.ndarray, values: np.ndarray, edges: np.ndarray, p95: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """Mean (and 95th percentile) of ``values`` by the window of ``edges`` that ``t`` falls
    in; NaN where a window has no value. ``t`` NaN: not counted."""
    j = window_index(t, edges)
    n_win = len(edges) - 1
    ok = (j >= 0) & (j < n_win)
    j, v = j[ok], values[ok]
    count = np.bincount(j, minlength=n_win)
    total = np.bincount(j, weights=v, minlength=n_win)
    mean = np.divide(total, count, out=np.full(n_win, np.nan), where=count > 0)
    if not p95:
        return mean, mean
    q = np.full(n_win, np.nan)
    for y in range(n_win):
        if count[y]:
            q[y] = np.quantile(v[j == y], 0.95)
    return mean, q


def year_means(t: np.ndarray, values: list[np.ndarray], edges: np.ndarray
               ) -> list[np.ndarray]:
    """Means of several value arrays by the window of ``edges`` that ``t`` falls in (one
    pass over ``t``); NaN where a window has no value."""
    j = window_index(t, edges)
    n_win = len(edges) - 1
    ok = (j >= 0) & (j < n_win)
    j = j[ok]
    count = np.bincount(j, minlength=n_win)
    out = []
    for v in values:
        total = np.bincount(j, weights=v[ok], minlength=n_win)
        out.append(np.divide(total, count, out=np.full(n_win, np.nan), where=count > 0))
    return out


def locate(out: RunOutput) -> dict[str, np.ndarray]:
    """Where each container is at the end of the run: exactly one mask is true per row."""
    st = out.store
    delivered = np.isfinite(st.t_delivered)
    at_origin = np.isnan(st.t_depart_origin)
    at_crossing = np.zeros(st.n, bool)
    for k in range(st.slots):
        at_crossing |= (np.isfinite(st.t_crossing["arrive"][k])
                        & np.isnan(st.t_crossing["depart"][k]))
    on_rail = ~(delivered | at_origin | at_crossing)
    return {"delivered": delivered, "at_origin": at_origin, "at_crossing": at_crossing,
            "on_rail": on_rail}


def compute(out: RunOutput) -> dict[Key, float]:
    """All KPIs of one replication."""
    s, st, cal = out.scenario, out.store, out.calendar
    years = cal.years()
    labels = [y for y, _, _ in years]
    edges = np.array([a for _, a, _ in years] + [years[-1][2]])
    end_h = cal.end_h
    K: dict[Key, float] = {}

    def put_years(name: str, scope: str, values) -> None:
        for lab, v in zip(labels, values):
            K[(name, lab, scope)] = float(v)

    # -- volumes ----------------------------------------------------------------------
    where = locate(out)
    K[("containers_created", "run", "all")] = st.n
    K[("containers_delivered", "run", "all")] = int(where["delivered"].sum())
    K[("containers_in_system", "run", "all")] = int((~where["delivered"]).sum())
    for place in ("at_origin", "on_rail", "at_crossing"):
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
    counted = from_ok[st.origin] & to_ok[st.destination]
    t_first = np.full(st.n, np.nan)
    for k in range(st.slots):
        hit = at_counted[st.crossing[k]] & np.isnan(t_first)
        t_first[hit] = st.t_crossing["arrive"][k][hit]
    t_count = np.where(counted, t_first, np.nan)
    put_years("transit_containers_china_central_asia", "all", counts_in(t_count, edges))
    put_years("transit_teu_china_central_asia", "all", counts_in(t_count, edges, st.teu))

    is_china = np.array([n.region == "china" for n in nodes] + [False])
    is_europe = np.array([n.region == "europe" for n in nodes] + [False])
    in_kz = np.array([n.country == "KZ" for n in nodes] + [False])
    ce = is_china[st.origin] & is_europe[st.destination] & (st.crossing[0] >= 0)
    t0 = np.where(ce, st.t_crossing["arrive"][0], np.nan)
    kz = in_kz[st.crossing[0]]
    all_ce = counts_in(t0, edges)
    kz_ce = counts_in(np.where(kz, t0, np.nan), edges)
    put_years("kz_share_china_europe_land", "all",
              np.divide(kz_ce, all_ce, out=np.full(len(labels), np.nan), where=all_ce > 0))

    # -- by route and corridor ----------------------------------------------------------
    ot = rows_array(out.origin_trains, 5)
    corridor_of = {rid: s.routes[rid].corridor for rid in out.route_ids}
    for r, rid in enumerate(out.route_ids):
        m = ot[:, 1] == r
        put_years("trains_by_route", rid, counts_in(ot[m, 2], edges))
        put_years("containers_by_route", rid, counts_in(ot[m, 2], edges, ot[m, 3]))
        put_years("teu_by_route", rid, counts_in(ot[m, 2], edges, ot[m, 4]))
    corridors = sorted(set(corridor_of.values()))
    route_corr = np.array([corridors.index(corridor_of[r]) for r in out.route_ids] + [-1])
    box_corr = route_corr[st.route]  # route -1 (not departed) -> last entry, -1
    transit_days = (st.t_delivered - st.t_created) / 24.0
    for ci, corr in enumerate(corridors):
        m = box_corr == ci
        put_years("containers_by_corridor", corr, counts_in(st.t_depart_origin[m], edges))
        dm = m & where["delivered"]
        mean, p95 = year_stats(st.t_delivered[dm], transit_days[dm], edges, p95=True)
        put_years("transit_time_days_mean", corr, mean)
        put_years("transit_time_days_p95", corr, p95)
        K[("containers_in_transit_at_end", "run", corr)] = int((m & ~where["delivered"]).sum())
    K[("containers_in_transit_at_end", "run", "not_departed")] = int(where["at_origin"].sum())

    # -- crossings ----------------------------------------------------------------------
    spans = np.diff(edges)
    for nid, xing in out.crossings.items():
        rec = crossing_record(out, nid)
        put_years("trains_by_crossing", nid, counts_in(rec.arrive, edges))
        put_years("containers_by_crossing", nid, counts_in(rec.arrive, edges, rec.boxes))
        put_years("teu_by_crossing", nid, counts_in(rec.arrive, edges, rec.teu))
        put_years("mean_queue", nid, window_means(*rec.queue, edges, end=end_h))
        put_years("peak_queue", nid, window_max(*rec.queue, edges, end=end_h))
        busy = window_means(*rec.busy, edges, end=end_h)
        c_from, c_to, c_n = rec.cranes
        avail = window_means(c_from, c_to, edges, c_n, end=end_h)
        shut = np.array(xing.closures, float).reshape(-1, 2)
        put_years("closure_hours", nid,
                  window_means(shut[:, 0], shut[:, 1], edges, end=end_h) * spans)
        put_years("utilisation", nid,
                  np.divide(busy, avail, out=np.full(len(busy), np.nan), where=avail > 0))
        a, b, w = rec.yard
        occ = window_means(a, b, edges, w, end=end_h)
        put_years("yard_occupancy_teu_mean", nid, occ)
        put_years("yard_utilisation", nid, occ / xing.cfg.yard_capacity_teu)
        parts = ("dwell", "handling", "customs", "consolidation")
        for part, means in zip(parts, year_means(rec.box["t"], [rec.box[p] for p in parts],
                                                 edges)):
            put_years(f"border_{part}_hours_mean", nid, means)

    # -- links --------------------------------------------------------------------------
    for lid, line in out.lines.items():
        if line.closures or s.links[lid].disruptions:
            shut = np.array(merge(line.closures), float).reshape(-1, 2)
            put_years("closure_hours", lid,
                      window_means(shut[:, 0], shut[:, 1], edges, end=end_h) * spans)
    offered = {}
    for scope, line, reached, entered in link_directions(out):
        if line.id not in offered:
            offered[line.id] = line.paths_available(edges, end_h)
        avail = offered[line.id]
        put_years("utilisation", scope, np.divide(counts_in(entered, edges), avail,
                                                  out=np.full(len(avail), np.nan),
                                                  where=avail > 0))
        put_years("mean_queue", scope, window_means(reached, entered, edges, end=end_h))
        put_years("peak_queue", scope, window_max(reached, entered, edges, end=end_h))
    return K
