"""Key performance indicators of one replication, from the record store and facility logs.

Each KPI is keyed by (name, period, scope): period is a calendar year of the reported
horizon (``"2024"``) or ``"run"`` (the whole simulation, warm-up included); scope is
``"all"`` or the id of a route, corridor, crossing or link direction. :data:`KPIS` is the
one catalogue of names, units and definitions (the README's KPI table, with the labels of
:mod:`sim.measure.labels`, and docs/kpis.md are checked against it). Undefined values (a
mean over no containers) are NaN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from sim.measure.acceptance import KPIS as ACCEPTANCE_KPIS
from sim.measure.acceptance import acceptance_kpis
from sim.measure.choice import KPIS as CHOICE_KPIS
from sim.measure.choice import choice_kpis, market_kpis
from sim.measure.costs import KPIS as COST_KPIS
from sim.measure.costs import cost_kpis
from sim.measure.empties import KPIS as EMPTIES_KPIS
from sim.measure.empties import empties_kpis
from sim.measure.flows import Key, route_kpis, volume_kpis, year_means
from sim.measure.handover import KPIS as HANDOVER_KPIS
from sim.measure.handover import handover_kpis
from sim.measure.intervals import (
    DWELL_PARTS,
    closed_share,
    crane_utilisation,
    crossing_record,
    crossing_stays,
    crossing_yard_teu,
    link_directions,
    port_yard_teu,
    sailing_columns,
    vessel_utilisation,
    visited,
    visits,
    yard_utilisation,
)
from sim.measure.location import locate
from sim.measure.monitors import (
    PutYears,
    closure_effects,
    counts_in,
    window_index,
    window_max,
    window_means,
)
from sim.measure.services import SERVICE_KPIS, service_volumes
from sim.measure.timeseries import crossing_series, day_edges
from sim.measure.traffic import KPIS as TRAFFIC_KPIS
from sim.measure.traffic import background_entering, link_totals, port_totals
from sim.measure.wagons import KPIS as WAGON_KPIS
from sim.measure.wagons import wagon_kpis
from sim.scenario.kinds import CLOSURE_KPIS, NODE_KINDS, Kind, kind_of
from sim.scenario.network import service_scope
from sim.scenario.problems import did_you_mean

if TYPE_CHECKING:
    from sim.engine.output import RunOutput

KPIS: dict[str, tuple[str, str]] = {
    "containers_created": ("containers", "boxes arriving at their origin terminal (period run: "
                           "whole simulation incl. warm-up)"),
    "containers_delivered": ("containers", "boxes arriving at their destination terminal"),
    "containers_in_system": ("containers", "boxes created and neither delivered nor refused at "
                             "their origin (containers_lost) at the end of the run, by where "
                             "they are (scope at_origin / on_rail / at_crossing "
                             "/ at_port (a port or an inland dry port) / at_sea) or in all"),
    "containers_in_transit_at_end": ("containers", "boxes not delivered at the end of the run, "
                                     "by corridor of the route their train took (scope "
                                     "not_departed: still at their origin; boxes refused "
                                     "there are in none: containers_lost)"),
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
                               "corridor (a corridor used both ways also by direction: scope "
                               "CORRIDOR:westbound, destination west of the origin, and "
                               ":eastbound)"),
    "containers_by_crossing": ("containers", "boxes arriving at the crossing"),
    "teu_by_crossing": ("TEU", "TEU arriving at the crossing"),
    "trains_by_crossing": ("trains", "inbound trains arriving at the crossing"),
    "transit_time_days_mean": ("days", "mean time from arrival at the origin terminal to "
                               "arrival at the destination, boxes delivered in the period, by "
                               "corridor (and direction, as containers_by_corridor) and by "
                               "route"),
    "transit_time_days_p95": ("days", "95th percentile of the same"),
    "transit_time_days_km": ("days", "mean time from arrival at the origin terminal to "
                             "arrival at the destination of the boxes that left their origin "
                             "in the period (as containers_by_corridor), by corridor (and "
                             "direction), those still under way at the end of the run "
                             "counted by Kaplan-Meier (censored at their age then): unlike "
                             "the mean of the boxes delivered, it does not leave out the "
                             "slowest of those that left (boxes still at their origin at the "
                             "end, held or waiting for their train, are not counted: no "
                             "corridor yet); a lower bound when the longest time seen is a "
                             "box still under way"),
    "in_transit_at_period_end_share": ("fraction", "share of the boxes that left their "
                                       "origin in the period (as containers_by_corridor) "
                                       "not yet at their destination at the period's end, "
                                       "by corridor (and direction): with the period's "
                                       "departures, the transit time as a count can tell "
                                       "it (trains sent in a year and not received in it)"),
    "origin_wait_days_mean": ("days", "part of the transit time spent at the origin "
                              "terminal waiting for the block train to fill (mean over boxes "
                              "leaving the origin in the period), by corridor"),
    "border_dwell_hours_mean": ("hours", "mean time from a box's arrival at the crossing to "
                                "its departure on the other gauge, boxes departing in the "
                                "period"),
    "border_handling_hours_mean": ("hours", "part of the dwell spent queueing for a track, "
                                   "yard space and a crane, and being unloaded"),
    "border_customs_hours_mean": ("hours", "part of the dwell spent in customs/inspection"),
    "border_consolidation_hours_mean": ("hours", "part of the dwell spent waiting for the "
                                        "outbound train to fill or leave"),
    "utilisation": ("fraction", "crossings: busy crane-hours / crane-hours in force "
                    "(background trains' included); links: trains entering (modelled and "
                    "background) / train paths offered (open hours over the headway), per "
                    "direction"),
    "queue_trains_mean": ("trains", "time-average number of trains waiting: at crossings for a "
                   "track, yard space or a crane (background trains included); on links for "
                   "a train path (modelled trains)"),
    "yard_occupancy_teu_mean": ("TEU", "time-average TEU unloaded at the crossing or port "
                                "and not yet taken from the yard onto a train or vessel "
                                "(a port's background TEU included)"),
    "yard_utilisation": ("fraction", "yard_occupancy_teu_mean / yard_capacity_teu (its "
                         "time average, when the timeline changes it)"),
    "queue_trains_peak": ("trains", "most trains waiting at once: at crossings for a track, yard "
                   "space or a crane (background trains included); on links for a train path "
                   "(modelled trains)"),
    "closure_hours": ("hours", "hours the facility (crossing, port or link) was closed, by "
                      "timeline closures and random disruptions together (a port: to "
                      "shipping); closures that overlap count once, so a dated closure "
                      "adds only the hours no storm had closed already; 0 where nothing "
                      "closed it (every crossing, port, dry port and link has the row)"),
    "disruption_events": ("closures", "closures of the crossing or port (timeline or random) "
                          "beginning in the period; closures that overlap merge into one; "
                          "every crossing, port and dry port has the disruption_* rows, "
                          "0 closures where none began"),
    "disruption_boxes_delayed": ("containers", "boxes at the facility, or arriving, while it "
                                 "was closed; summed over the closures beginning in the "
                                 "period (none: 0)"),
    "disruption_peak_backlog": ("containers", "most boxes at the facility at once from a "
                                "closure's start until it recovered; the largest over the "
                                "closures beginning in the period (none: no value)"),
    "disruption_recovery_hours_mean": ("hours", "from a reopening until the boxes at the "
                                       "facility first fell back to their number when the "
                                       "closure began; mean over the closures beginning in "
                                       "the period that recovered before the end of the run "
                                       "(none: no value)"),
    "disruption_unrecovered": ("closures", "closures beginning in the period that had not "
                               "recovered (as above) by the end of the run"),
    "corridor_share_china_europe": ("fraction", "of China -> Europe boxes leaving their "
                                    "origin in the period, the share on routes of the "
                                    "corridor"),
    "caspian_teu": ("TEU", "TEU shipped across the Caspian: by port, loaded onto plus "
                    "unloaded from vessels there; all, carried by vessels sailing between "
                    "Caspian ports (each box once per crossing), by sailing hour; westbound "
                    "and eastbound, the same by direction (the port landed at west or east of "
                    "the one loaded at)"),
    "teu_by_service": ("TEU", "TEU of the modelled boxes carried by the vessel service's "
                       "sailings in the period (scope SERVICE: from home, SERVICE:return: "
                       "back); service_teu_total adds the background TEU"),
    "sailings_by_service": ("sailings", "vessel sailings, laden or not, by service and "
                            "direction"),
    "vessel_fill_rate": ("fraction", "the modelled boxes' railcars (ferry) or TEU (feeder) "
                         "carried / usable capacity offered (capacity x load_factor), sailings "
                         "in the period, by service and direction; the background units and "
                         "empties sharing the vessels are not counted (service_teu_total, "
                         "ferry_railcars_total count them), so it is not how full the vessels "
                         "were; a tanker line: its tonnes (all background)"),
    "vessel_utilisation": ("fraction", "share of the fleet's hours in service not spent idle "
                           "at the home berth waiting for a load"),
    "port_dwell_hours_mean": ("hours", "mean time from a box's arrival at the port or inland "
                              "dry port (by train or vessel) to its departure (by vessel or "
                              "train), boxes departing in the period"),
    "port_handling_hours_mean": ("hours", "part of it until unloaded: queueing for a track, "
                                 "yard space and a crane and unloading (from a train), or "
                                 "waiting for a berth and unloading (from a vessel)"),
    "port_customs_hours_mean": ("hours", "part of it in customs and port formalities"),
    "port_consolidation_hours_mean": ("hours", "part of it waiting for the vessel or train "
                                      "to fill, load and leave (storm holds included)"),
    **SERVICE_KPIS,  # the services' total volumes (sim.measure.services)
    **TRAFFIC_KPIS,  # links' and ports' volumes with background (sim.measure.traffic)
    **COST_KPIS,  # cost and CO2e per box, with a costs table (sim.measure.costs)
    **HANDOVER_KPIS,  # crossings' daily handover caps (sim.measure.handover)
    **CHOICE_KPIS,  # the nested logit: sea share, market split (sim.measure.choice)
    **ACCEPTANCE_KPIS,  # acceptance limits: diverted, lost, held (sim.measure.acceptance)
    **EMPTIES_KPIS,  # empties going back (sim.measure.empties)
    **WAGON_KPIS,  # pools of flat wagons (sim.measure.wagons)
}



RESILIENCE = {"disruption_events", "disruption_boxes_delayed", "disruption_peak_backlog",
              "disruption_recovery_hours_mean", "disruption_unrecovered"}
# which KPIs each part of compute() yields, so that a caller who needs only a few (a sweep,
# a calibration) skips the parts that yield none of them
SECTIONS: dict[str, set[str]] = {
    "volumes": {"containers_created", "containers_delivered", "containers_in_system",
                "teu_created", "transit_containers_china_central_asia",
                "transit_teu_china_central_asia", "kz_share_china_europe_land"},
    "routes": {"trains_by_route", "containers_by_route", "teu_by_route",
               "containers_by_corridor", "transit_time_days_mean", "transit_time_days_p95",
               "transit_time_days_km", "in_transit_at_period_end_share",
               "origin_wait_days_mean", "containers_in_transit_at_end",
               "corridor_share_china_europe"},
    "ports": {"caspian_teu", "teu_by_service", "sailings_by_service", "vessel_fill_rate",
              "vessel_utilisation", "port_dwell_hours_mean", "port_handling_hours_mean",
              "port_customs_hours_mean", "port_consolidation_hours_mean", "closure_hours",
              "yard_occupancy_teu_mean", "yard_utilisation", "port_teu_total",
              "port_tonnes_total", "port_teu_background", "port_tonnes_background",
              *RESILIENCE, *SERVICE_KPIS},
    "crossings": {"trains_by_crossing", "containers_by_crossing", "teu_by_crossing",
                  "queue_trains_mean", "queue_trains_peak", "closure_hours", "utilisation",
                  "yard_occupancy_teu_mean", "yard_utilisation", "border_dwell_hours_mean",
                  "border_handling_hours_mean", "border_customs_hours_mean",
                  "border_consolidation_hours_mean", *RESILIENCE, *HANDOVER_KPIS},
    "links": {"closure_hours", "utilisation", "queue_trains_mean", "queue_trains_peak",
              "link_trains_total", "link_trains_background"},
    "costs": set(COST_KPIS),
    "choice": set(CHOICE_KPIS),
    "acceptance": set(ACCEPTANCE_KPIS),
    "empties": set(EMPTIES_KPIS),
    "wagons": set(WAGON_KPIS),
}

# what the measures yield for one node, by what its kind does (its registry row's flags):
# a gauge crossing's stays are stamped into the records (crossing_record), any other
# transfer facility's are read from its box visits; ports on the Caspian add caspian_teu
CROSSING_KPIS = ("trains_by_crossing", "containers_by_crossing", "teu_by_crossing",
                 "queue_trains_mean", "queue_trains_peak", "closure_hours", "utilisation",
                 "yard_occupancy_teu_mean", "yard_utilisation", "border_dwell_hours_mean",
                 "border_handling_hours_mean", "border_customs_hours_mean",
                 "border_consolidation_hours_mean")
VISIT_KPIS = ("closure_hours", "yard_occupancy_teu_mean", "yard_utilisation",
              "port_dwell_hours_mean", "port_handling_hours_mean", "port_customs_hours_mean",
              "port_consolidation_hours_mean")
VESSEL_KPIS = ("caspian_teu",)


def node_kpis(kind: Kind) -> set[str]:
    """The KPIs the measures yield for a node of ``kind`` (its closure KPIs included)."""
    got: set[str] = set()
    if kind.transfers_boxes:
        got.update(CROSSING_KPIS if kind.joins_gauges else VISIT_KPIS)
    if kind.berths_vessels:
        got.update(VESSEL_KPIS)
    if kind.closable:
        got.update(CLOSURE_KPIS)
    return got


def kind_kpi_problems(kinds: Iterable[Kind] | None = None) -> list[str]:
    """The KPIs a registry row names that the measures do not yield for its kind."""
    out = []
    for k in NODE_KINDS.values() if kinds is None else kinds:
        missing = [n for n in k.kpis if n not in node_kpis(k)]
        if missing:
            out.append(f"kind '{k.name}': the measures yield no {', '.join(missing)} for "
                       f"its nodes")
    return out


def compute(out: RunOutput, names: set[str] | None = None,
            crossing_days: dict[str, dict[str, np.ndarray]] | None = None
            ) -> dict[Key, float]:
    """The KPIs of one replication: all of them, or (``names``) at least those named —
    the parts of the computation that yield none of them are skipped. ``crossing_days``:
    a dict to fill with each gauge crossing's daily series
    (:func:`sim.measure.timeseries.crossing_series`) while its record is at hand, for
    :func:`sim.measure.timeseries.daily_columns`; the records are then not kept."""
    def wanted(section: str) -> bool:
        return names is None or not names.isdisjoint(SECTIONS[section])

    s, cal = out.scenario, out.calendar
    problems = kind_kpi_problems({kind_of(n).name: kind_of(n) for n in s.nodes.values()}
                                 .values())
    if problems:  # a registry row naming KPIs nothing computes: say so, do not skip them
        raise ValueError("; ".join(problems))
    years = cal.years()
    labels = [y.label for y in years]
    edges = np.array([y.from_h for y in years] + [years[-1].to_h])
    end_h = cal.end_h
    K: dict[Key, float] = {}

    def put_years(name: str, scope: str, values) -> None:
        for lab, v in zip(labels, values):
            K[(name, lab, scope)] = float(v)

    def put_run(name: str, scope: str, value: float) -> None:
        K[(name, "run", scope)] = float(value)

    # -- volumes and the published aggregates; by route and corridor -------------------
    # every box placed positively by its own stamps (the train checks are the tests'),
    # when a KPI asked for needs it
    where = (locate(out, trains=False)
             if names is None or "containers_in_system" in names or wanted("routes") else {})
    volume_kpis(out, edges, K, put_years, where)
    if wanted("routes"):
        route_kpis(out, edges, K, put_years, where,
                   km=names is None or "transit_time_days_km" in names)
    del where

    # -- ports and vessel services ------------------------------------------------------
    if wanted("ports"):
        _ports_and_services(out, edges, end_h, put_years)
        service_volumes(out, edges, put_years,
                        put_run)
        port_totals(out, edges, put_years)

    # -- crossings; links (each part a function: its per-box arrays go when it returns) --
    if wanted("crossings"):
        _crossing_kpis(out, edges, put_years, crossing_days)
    if wanted("links"):
        _link_kpis(out, edges, put_years)

    # -- cost and CO2e per box ----------------------------------------------------------
    if s.costs is not None and wanted("costs"):
        cost_kpis(out, edges, put_years)
    if out.gate is not None and wanted("acceptance"):
        acceptance_kpis(out, edges, put_years,
                        put_run)
    if s.route_choice.model == "nested_logit" and wanted("choice"):
        choice_kpis(out, edges, put_years)
        market_kpis(out, edges, put_years)
    if out.empties is not None and wanted("empties"):
        empties_kpis(out, edges, put_years)
    if out.wagon_pools and wanted("wagons"):
        wagon_kpis(out, edges, end_h, put_years,
                   put_run)
    return K


def _crossing_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears,
                   days: dict[str, dict[str, np.ndarray]] | None) -> None:
    """Each gauge crossing's trains, boxes, queue, cranes, yard, dwell and disruptions,
    and the handovers' KPIs (``days``: see :func:`compute`)."""
    s, end_h, spans = out.scenario, out.calendar.end_h, np.diff(edges)
    for nid, xing in out.crossings.items():  # the nodes of kinds that join gauges
        kind = kind_of(s.nodes[nid])
        put = _named_by(kind, put_years)
        b = crossing_stays(out, nid)
        rec = crossing_record(out, nid, b, keep=days is None)
        if days is not None:
            days[nid] = crossing_series(xing, rec, day_edges(out), end_h)
        put("trains_by_crossing", nid, counts_in(rec.arrived_h, edges))
        put("containers_by_crossing", nid, counts_in(rec.arrived_h, edges, rec.boxes))
        put("teu_by_crossing", nid, counts_in(rec.arrived_h, edges, rec.teu))
        put("queue_trains_mean", nid, window_means(*rec.queue, edges, end=end_h))
        put("queue_trains_peak", nid, window_max(*rec.queue, edges, end=end_h))
        put("closure_hours", nid, closed_share(xing.closures, edges, end_h) * spans)
        put("utilisation", nid, crane_utilisation(rec, edges, end_h))
        occ = crossing_yard_teu(rec, edges, end_h)
        put("yard_occupancy_teu_mean", nid, occ)
        put("yard_utilisation", nid, yard_utilisation(xing, occ, edges, end_h))
        # the parts of the dwell one at a time, each into the same buffer (one per box)
        buf = np.empty(len(b.departed_h))
        for part, means in zip(DWELL_PARTS, year_means(
                b.departed_h, (b.part(p, out=buf) for p in DWELL_PARTS), edges)):
            put(f"border_{part}_hours_mean", nid, means)
        if kind.closable:  # (never closed: 0 closures, 0 boxes caught)
            shut = np.array(xing.closures, float).reshape(-1, 2)
            _resilience(nid, b.arrived_h, b.departed_h, shut, edges, end_h, put)
        del b, rec  # (before the next crossing's stays are gathered)
    handover_kpis(out, edges, put_years)


def _link_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """Each line's closures, and per direction its utilisation and queue; the lines'
    totals."""
    s, end_h, spans = out.scenario, out.calendar.end_h, np.diff(edges)
    for lid, line in out.lines.items():  # (any line may close: 0 hours if none did)
        put_years("closure_hours", lid, closed_share(line.closed_spans(), edges, end_h) * spans)
    offered = {}
    for scope, line, reached, entered in link_directions(out):
        if line.id not in offered:
            offered[line.id] = line.paths_available(edges, end_h)
        avail = offered[line.id]
        n_in = counts_in(entered, edges)
        if line.has_background():  # their paths (and empty trains') count too
            d = int(scope.endswith(f">{s.links[line.id].from_}"))
            n_in = n_in + background_entering(line, d, edges)
        put_years("utilisation", scope, np.divide(n_in, avail,
                                                  out=np.full(len(avail), np.nan),
                                                  where=avail > 0))
        put_years("queue_trains_mean", scope, window_means(reached, entered, edges, end=end_h))
        put_years("queue_trains_peak", scope, window_max(reached, entered, edges, end=end_h))
    link_totals(out, edges, put_years)


def _ports_and_services(out: RunOutput, edges: np.ndarray, end_h: float, put_years) -> None:
    s = out.scenario
    spans = np.diff(edges)
    caspian = {nid for nid, n in s.nodes.items() if n.port is not None and n.port.sea == "caspian"}
    port_teu = {nid: np.zeros(len(spans)) for nid in caspian}
    across = np.zeros(len(spans))
    across_way = {"westbound": np.zeros(len(spans)), "eastbound": np.zeros(len(spans))}
    for sid, svc in out.services.items():
        sail = sailing_columns(svc)
        usable = svc.capacity_units * svc.cfg.load_factor
        ends = (svc.cfg.from_, svc.cfg.to)
        for d in (0, 1):
            scope = service_scope(sid, d)
            m = sail.direction == d
            t_sail, teu, units = sail.sailed_h[m], sail.teu[m], sail.units[m]
            n = counts_in(t_sail, edges)
            put_years("sailings_by_service", scope, n)
            put_years("teu_by_service", scope, counts_in(t_sail, edges, teu))
            carried = counts_in(t_sail, edges, units)
            put_years("vessel_fill_rate", scope,
                      np.divide(carried, n * usable, out=np.full(len(n), np.nan),
                                where=n > 0))
            loaded_at, landed_at = ends[d], ends[1 - d]
            if loaded_at in port_teu:
                port_teu[loaded_at] += counts_in(t_sail, edges, teu)
            if landed_at in port_teu:  # counted when unloaded
                port_teu[landed_at] += counts_in(sail.landed_h[m], edges, teu)
            if loaded_at in caspian and landed_at in caspian:
                carried_teu = counts_in(t_sail, edges, teu)
                across += carried_teu
                lon_to, lon_from = s.nodes[landed_at].lon, s.nodes[loaded_at].lon
                if lon_to != lon_from:
                    across_way["westbound" if lon_to < lon_from else "eastbound"] += \
                        carried_teu
        put_years("vessel_utilisation", sid, vessel_utilisation(svc, edges, end_h))
    if caspian:
        for nid in sorted(port_teu):
            put_years("caspian_teu", nid, port_teu[nid])
        put_years("caspian_teu", "all", across)
        for way, teu_way in across_way.items():
            put_years("caspian_teu", way, teu_way)
    for nid, port in visited(out).items():  # ports, and any facility whose stays are visits
        kind = kind_of(s.nodes[nid])
        put = _named_by(kind, put_years)
        v = visits(out, nid)
        put("closure_hours", nid, closed_share(port.closures, edges, end_h) * spans)
        if kind.closable:  # (never closed: 0 closures, 0 boxes caught)
            shut = np.array(port.closures, float).reshape(-1, 2)
            _resilience(nid, v["arrive"], v["depart"], shut, edges, end_h, put)
        occ = port_yard_teu(out, nid, edges)
        put("yard_occupancy_teu_mean", nid, occ)
        put("yard_utilisation", nid, yard_utilisation(port, occ, edges, end_h))
        # (to, from) stage of each part, made one at a time into the same buffer
        parts = {"dwell": (v["depart"], v["arrive"]), "handling": (v["unloaded"], v["arrive"]),
                 "customs": (v["ready"], v["unloaded"]),
                 "consolidation": (v["depart"], v["ready"])}
        buf = np.empty(len(v["depart"]))
        for part, means in zip(parts, year_means(
                v["depart"], (np.subtract(a, b, out=buf) for a, b in parts.values()), edges)):
            put(f"port_{part}_hours_mean", nid, means)


def _named_by(kind: Kind, put_years: PutYears) -> PutYears:
    """``put_years`` keeping only the KPIs ``kind``'s row names (and its closure KPIs)."""
    keep = set(kind.kpis) | (set(CLOSURE_KPIS) if kind.closable else set())

    def put(name: str, scope: str, values) -> None:
        if name in keep:
            put_years(name, scope, values)
    return put


def _resilience(nid: str, arrive: np.ndarray, depart: np.ndarray, shut: np.ndarray,
                edges: np.ndarray, end_h: float, put_years) -> None:
    """The disruption KPIs of one facility from its boxes' stays and its closures."""
    fx = closure_effects(arrive, depart, shut, end_h)
    start = shut[:, 0] if len(shut) else np.empty(0)
    j = window_index(start, edges)
    n = len(edges) - 1
    events, caught, peak = np.zeros(n), np.zeros(n), np.zeros(n)
    rec_sum, rec_n, unrec = np.zeros(n), np.zeros(n), np.zeros(n)
    for k, y in enumerate(j.tolist()):
        if not 0 <= y < n:
            continue
        events[y] += 1
        caught[y] += fx[k, 0]
        peak[y] = max(peak[y], fx[k, 1])
        if fx[k, 2] == fx[k, 2]:
            rec_sum[y] += fx[k, 2]
            rec_n[y] += 1
        else:
            unrec[y] += 1
    put_years("disruption_events", nid, events)
    put_years("disruption_boxes_delayed", nid, caught)
    put_years("disruption_peak_backlog", nid, np.where(events > 0, peak, np.nan))
    put_years("disruption_recovery_hours_mean", nid,
              np.divide(rec_sum, rec_n, out=np.full(n, np.nan), where=rec_n > 0))
    put_years("disruption_unrecovered", nid, unrec)


def output_problem(kpi: str, scope: str, period: str | None, years: list[str],
                   words: set[str], whole_run: bool = True) -> str | None:
    """What is wrong with a KPI a study watches in its base scenario (a sweep's output, an
    optimisation's constraint, a precision's KPI), or None: not a KPI, a period outside
    the horizon's ``years`` (and 'run' when ``whole_run``; None: any), a scope that names
    nothing in the scenario (``words``: :func:`sim.measure.location.scope_words`)."""
    if kpi not in KPIS:
        return f"unknown KPI '{kpi}' ({did_you_mean(kpi, KPIS)})"
    allowed = [*years, "run"] if whole_run else years
    if period is not None and period not in allowed:
        return f"{period} is outside the horizon (allowed: {', '.join(allowed)})"
    if re.split(r"[:>]", scope)[0] not in words:
        return f"scope '{scope}' names nothing in the scenario ({did_you_mean(scope, words)})"
    return None
