"""Volumes of the vessel services with their background traffic: what every sailing
carried, the modelled boxes and the other units together, in TEU, railcars, trucks and
tonnes, and the background units offered, left waiting and how long they waited.

The modelled-only volumes (``teu_by_service``, ``vessel_fill_rate``, ...) stay in
:mod:`sim.measure.kpis`; these are reported beside them. A ferry's container wagons are
counted by the convention of :meth:`sim.scenario.schema.Service.units` (a wagon takes one
40 ft box or two 20 ft boxes). Background units are counted when their vessel sails. A
tanker line (kind ``tanker``) carries background tonnes only: it reports the tonnes KPIs
(all of them background) and none of the all-traffic TEU KPIs (the modelled-only
``teu_by_service`` of :mod:`sim.measure.kpis` lists it with 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.measure.intervals import sailing_columns
from sim.measure.monitors import PutRun, PutYears, counts_in
from sim.measure.tonnes import row_tonnes
from sim.scenario.empties import EMPTIES
from sim.scenario.network import service_scope
from sim.scenario.vessel_kinds import VESSEL_KINDS

if TYPE_CHECKING:
    from sim.engine.output import RunOutput

SERVICE_KPIS: dict[str, tuple[str, str]] = {
    "service_teu_total": ("TEU", "TEU carried by the service's sailings in the period: the "
                          "modelled boxes (a ferry's container wagons: their boxes' TEU) plus "
                          "background TEU (feeders); scope SERVICE: from home, "
                          "SERVICE:return: back, SERVICE:both: the two; AA-BB: every line "
                          "between two countries (ISO codes), both ways; tanker lines carry "
                          "no TEU and are not listed"),
    "ferry_railcars_total": ("railcars", "railcars carried by a ferry service's sailings "
                             "in the period: container wagons (one 40 ft or two 20 ft boxes "
                             "each) plus background railcars, by direction and both"),
    "ferry_trucks_total": ("trucks", "background trucks (road units) carried by a ferry "
                           "service's sailings in the period, by direction and both"),
    "service_tonnes_total": ("tonnes", "cargo tonnes carried by the service's sailings in "
                             "the period: the modelled boxes' (flow tonnes per TEU) plus "
                             "background units x their tonnes per unit (a tanker line's "
                             "tonnes, all background), by direction and both; "
                             "scope AA-BB: every line between two countries, both ways"),
    "service_teu_background": ("TEU", "of service_teu_total, the background TEU"),
    "ferry_railcars_background": ("railcars", "of ferry_railcars_total, the background "
                                  "railcars"),
    "service_tonnes_background": ("tonnes", "of service_tonnes_total, the background "
                                  "units' tonnes"),
    "vessel_load_rate": ("fraction", "how full the vessels sailed: the space taken by "
                         "everything aboard (each modelled box one railcar on a ferry, 2 TEU "
                         "on a feeder, as the loading counts it; each background unit and "
                         "empty its own space) / usable capacity offered (capacity x "
                         "load_factor x sailings), sailings in the period, by service and "
                         "direction; vessel_fill_rate counts the modelled boxes alone"),
    "background_offered": ("units", "background units offered to the service by the end "
                           "of the run (period run), scope SERVICE[:return]:UNIT"),
    "background_waiting_at_end": ("units", "background units offered and not loaded at "
                                  "the end (period run), same scopes; offered = sailed + "
                                  "waiting + loaded at a berth not yet sailed"),
    "background_wait_hours_mean": ("hours", "mean time from a background unit's offer to "
                                   "its vessel's sailing (first in, first out), units "
                                   "sailing in the period, scope SERVICE[:return]:UNIT"),
}



def service_volumes(out: RunOutput, edges: np.ndarray, put_years: PutYears,
                    put_run: PutRun) -> None:
    """The :data:`SERVICE_KPIS` of every vessel service that carries background traffic
    or rolls wagons off, per year (``put_years``) and for the run (``put_run(name, scope,
    value)``). Other services report the modelled-only KPIs alone (their totals are
    those), so scenarios without these fields keep their KPI set."""
    shared = {sid: svc for sid, svc in out.services.items()
              if svc.cfg.background is not None or svc.cfg.roll_off_dwell_h is not None
              or svc.bg_units}  # (empties going back are background units too)
    if not shared:
        return
    tonnes = row_tonnes(out)
    end_h = out.calendar.end_h
    countries = {nid: n.country for nid, n in out.scenario.nodes.items()}
    pairs: dict[str, dict[str, np.ndarray]] = {}  # the lines between two countries
    for sid, svc in out.services.items():
        if sid in shared:
            continue
        sail = sailing_columns(svc)
        box_t = sailing_tonnes(tonnes, svc.sailing_rows)
        none = np.zeros(len(edges) - 1)
        _add_pair(pairs, countries, svc.cfg, {
            "service_teu_total": counts_in(sail.sailed_h, edges, sail.teu),
            "service_tonnes_total": counts_in(sail.sailed_h, edges, box_t),
            "service_teu_background": none, "service_tonnes_background": none})
    for sid, svc in shared.items():
        sail = sailing_columns(svc)
        n = len(svc.sailings)
        units = list(svc.bg_units)
        bg = np.array(svc.bg_sailed, float).reshape(n, len(units))
        weigh = svc.cfg.background
        box_t = sailing_tonnes(tonnes, svc.sailing_rows)
        both: dict[str, np.ndarray] = {}  # the volumes of the two directions together

        def put(name: str, scope: str, values: np.ndarray,
                both: dict[str, np.ndarray] = both) -> None:
            put_years(name, scope, values)
            both[name] = both.get(name, 0) + values
        for d in (0, 1):
            scope = service_scope(sid, d)
            m = sail.direction == d
            t = sail.sailed_h[m]
            col = {u: bg[m, i] for i, u in enumerate(units)}
            none = np.zeros(int(m.sum()))
            kind = VESSEL_KINDS[svc.cfg.kind]
            # empties going back, in the service's unit: TEU (feeder) or railcars (ferry)
            empty = col.get(EMPTIES, none)
            bg_teu = col.get("teu", none) + (none if kind.rolls_wagons else empty)
            bg_cars = col.get("railcars", none) + (empty if kind.rolls_wagons else none)
            if kind.carries_boxes:  # a tanker line carries tonnes, no TEU
                put("service_teu_total", scope, counts_in(t, edges, sail.teu[m] + bg_teu))
                put("service_teu_background", scope, counts_in(t, edges, bg_teu))
            if kind.rolls_wagons:
                put("ferry_railcars_total", scope,
                    counts_in(t, edges, sail.units[m] + bg_cars))
                put("ferry_railcars_background", scope, counts_in(t, edges, bg_cars))
                put("ferry_trucks_total", scope, counts_in(t, edges, col.get("trucks", none)))
            usable = svc.capacity_units * svc.cfg.load_factor
            space = (np.fromiter((len(svc.sailing_rows[i]) for i in np.flatnonzero(m)), float,
                                 int(m.sum())) * (kind.box_space or 1.0)
                     + sum((bg[m, i] * w for i, w in enumerate(svc.bg_space)), none))
            n_sail = counts_in(t, edges)
            put_years("vessel_load_rate", scope,
                      np.divide(counts_in(t, edges, space), n_sail * usable,
                                out=np.full(len(n_sail), np.nan), where=n_sail > 0))
            w_bg = sum((col[u] * weigh.tonnes_per(u) for u in units
                        if weigh and u != EMPTIES), none)  # (empties carry no cargo)
            put("service_tonnes_total", scope, counts_in(t, edges, box_t[m] + w_bg))
            put("service_tonnes_background", scope, counts_in(t, edges, w_bg))
            for i, u in enumerate(units):
                q = svc.queues[d][i]
                put_run("background_offered", f"{scope}:{u}", q.arrived(end_h))
                put_run("background_waiting_at_end", f"{scope}:{u}", q.waiting(end_h))
                put_years("background_wait_hours_mean", f"{scope}:{u}",
                          _mean_wait(q, t, col[u], edges))
        for name, values in both.items():
            put_years(name, f"{sid}:both", values)
        _add_pair(pairs, countries, svc.cfg, both)
    for scope, volumes in pairs.items():
        for name, values in volumes.items():
            put_years(name, scope, values)


def sailing_tonnes(tonnes: np.ndarray, rows: list[np.ndarray]) -> np.ndarray:
    """Per sailing, the tonnes of the boxes at its ``rows`` (``tonnes``: per box,
    float32), each ``float(tonnes[r].sum(dtype=np.float64))``.

    Summed for every sailing at once when those sums are exact whatever their order: the
    float32 values, read as float64, are whole multiples of the least of their last
    places, so every partial sum under 2**53 of those is exact, and equal to NumPy's
    pairwise sum; otherwise (or for values negative, -0.0 or not finite) sailing by
    sailing, as ever."""
    n = len(rows)
    sizes = np.fromiter(map(len, rows), np.int64, n)
    if tonnes.dtype == np.float32 and sizes.sum():
        v = tonnes[np.concatenate(rows)].astype(np.float64)
        if np.isfinite(v).all() and not np.signbit(v).any():
            sums = np.bincount(np.repeat(np.arange(n), sizes), weights=v, minlength=n)
            nz = v[v != 0]
            unit = math.ldexp(1.0, int(np.frexp(nz)[1].min()) - 24) if len(nz) else 1.0
            if sums.max() < 2.0 ** 53 * unit:
                return sums
    return np.fromiter((float(tonnes[r].sum(dtype=np.float64)) for r in rows), float, n)


def _add_pair(pairs: dict[str, dict[str, np.ndarray]], countries: dict[str, str], cfg,
              volumes: dict[str, np.ndarray]) -> None:
    """Add a service's TEU and tonnes (both directions) to the volumes of the lines
    between its two ports' countries, scope ``AA-BB`` (ISO codes in alphabetical order;
    e.g. ``AZ-KZ``: every line between Kazakhstan and Azerbaijan, the Caspian crossing of
    the Middle Corridor whose tonnage the TITR figures count)."""
    a, b = sorted((countries[cfg.from_], countries[cfg.to]))
    if a == b:
        return
    into = pairs.setdefault(f"{a}-{b}", {})
    for name in ("service_teu_total", "service_tonnes_total", "service_teu_background",
                 "service_tonnes_background"):
        if name in volumes:
            into[name] = into.get(name, 0) + volumes[name]


def _mean_wait(q, sailed_h: np.ndarray, carried: np.ndarray, edges: np.ndarray
               ) -> np.ndarray:
    """Per window: the mean hours from offer to sailing of the units the sailings carried
    (units leave the queue first in, first out, in order of sailing). Each sailing's
    waits are summed at once from the offer hours' running sums (a tanker line carries
    millions of tonnes: no array per unit)."""
    k = carried.astype(np.int64)
    cum = np.concatenate(([0], np.cumsum(k)))
    offered_h = _offer_hours_sum(q.counts, cum[1:]) - _offer_hours_sum(q.counts, cum[:-1])
    total = counts_in(sailed_h, edges, k * sailed_h - offered_h)
    count = counts_in(sailed_h, edges, k)
    return np.divide(total, count, out=np.full(len(count), np.nan), where=count > 0)


def _offer_hours_sum(counts: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Sum of the offer hours of a queue's first ``k`` units (each ``k`` <= the units
    offered in the run), for the queue's daily ``counts``: unit ``j`` of the ``n`` of day
    ``d`` is offered at ``24 d + 24 j / n`` (as
    :meth:`~sim.engine.facilities.sea_traffic.BackgroundQueue.arrival_h`), so a whole
    day's offers sum to ``24 d n + 12 (n + 1)`` and its first ``j`` to
    ``24 d j + 12 j (j + 1) / n``."""
    n = np.asarray(counts, np.int64)
    cum = np.concatenate(([0], np.cumsum(n)))
    day = np.arange(len(n), dtype=float)
    whole = np.where(n > 0, 24.0 * day * n + 12.0 * (n + 1), 0.0)
    before = np.concatenate(([0.0], np.cumsum(whole)))  # the days before each day
    k = np.asarray(k, np.int64)
    d = np.clip(np.searchsorted(cum, k, side="left") - 1, 0, max(len(n) - 1, 0))
    j = (k - cum[d]).astype(float)
    size = np.maximum(n[d], 1).astype(float) if len(n) else np.ones(len(k))
    part = 24.0 * d * j + 12.0 * j * (j + 1.0) / size
    return np.where(k > 0, before[d] + part, 0.0)
