"""What happened at each facility during a run, as arrays of events and intervals; the
KPIs (per year) and the daily series both summarise these, over different windows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

from sim.engine.logs import (
    BackgroundBatch,
    BackgroundTrain,
    CraneGangs,
    FleetSize,
    InboundTrain,
    PathBooking,
    Sailing,
    Span,
    YardCapacity,
    columns,
)
from sim.measure.monitors import window_means
from sim.scenario.kinds import kind_of
from sim.scenario.network import (
    direction_scope,
    flow_path,
    legs,
    link_index,
    routes_of,
    service_scope,
)

if TYPE_CHECKING:
    from sim.engine.facilities.port import VesselService
    from sim.engine.facilities.rail import RailLine
    from sim.engine.facilities.transfer import TransferFacility, Visits
    from sim.engine.output import RunOutput


class Spans(NamedTuple):
    """Intervals ``[from_h, to_h)`` (``to_h`` NaN: open at the end), one per element."""

    from_h: np.ndarray
    to_h: np.ndarray


class WeightedSpans(NamedTuple):
    """Intervals ``[from_h, to_h)`` with a weight each (TEU, crane gangs)."""

    from_h: np.ndarray
    to_h: np.ndarray
    weight: np.ndarray


class BoxStays(NamedTuple):
    """Per box that arrived at a crossing: its stage hours (NaN where not reached); the
    parts of its dwell are differences of two stages (:data:`DWELL_PARTS`)."""

    arrived_h: np.ndarray
    unloaded_h: np.ndarray
    ready_h: np.ndarray
    departed_h: np.ndarray
    teu: np.ndarray            # int8: 1 or 2

    def part(self, name: str, out: np.ndarray | None = None) -> np.ndarray:
        """One part of the dwell, per box, in hours: made when asked for (a run's boxes at
        one crossing are ~10^5-10^6; four parts kept at once cost ~30 MB), into ``out``
        if given (one buffer for every part read one at a time)."""
        to, from_ = DWELL_PARTS[name]
        return np.subtract(getattr(self, to), getattr(self, from_), out=out)


# the parts of a box's dwell at a crossing: (to, from) stage of its stays
DWELL_PARTS = {"dwell": ("departed_h", "arrived_h"), "handling": ("unloaded_h", "arrived_h"),
               "customs": ("ready_h", "unloaded_h"), "consolidation": ("departed_h", "ready_h")}


@dataclass
class CrossingRecord:
    """One crossing's inbound trains (handled or still inside at the end) and boxes."""

    arrived_h: np.ndarray     # per inbound train: arrival hour
    boxes: np.ndarray         # per inbound train
    teu: np.ndarray           # per inbound train
    queue: Spans              # per train: arrival -> crane start (NaN: open)
    busy: Spans               # per train on a crane: start -> unloaded (NaN: open)
    yard: WeightedSpans       # per box unloaded: unloaded -> departed, TEU
    cranes: WeightedSpans     # crane gangs in force: from, to, gangs


def by_rail(kind: np.ndarray) -> np.ndarray:
    """Which visits (by their ``kind``) arrived by rail: into the yard (0) or onto a ferry's
    sidings, rolled on (3); the others came by sea (1: landed, 2: rolled off)."""
    return (kind == 0) | (kind == 3)


def visits(out: RunOutput, nid: str) -> Visits:
    """A transfer facility's box visits (:meth:`TransferFacility.visits`), computed once per
    run output."""
    key = ("visits", nid)
    if key not in out.cache:
        out.cache[key] = out.facilities[nid].visits(out.calendar.end_h)
    return out.cache[key]




def visited(out: RunOutput) -> dict[str, TransferFacility]:
    """The transfer facilities whose boxes' stays are read from their visits: those of
    every kind that transfers boxes but does not join gauges (a gauge crossing's stays are
    stamped into the records: :func:`crossing_record`), in node order."""
    nodes = out.scenario.nodes
    return {nid: fac for nid, fac in out.facilities.items()
            if not kind_of(nodes[nid]).joins_gauges}


def crossing_stays(out: RunOutput, nid: str) -> BoxStays:
    """The stays of the boxes that arrived at crossing ``nid``, gathered from the record
    store's crossing slots, slot by slot in row order (not cached: the KPIs read them
    once, and a run's stays at its busiest crossing are tens of MB)."""
    st = out.store
    code = out.node_ids.index(nid)
    # (one comparison over each slot: ~1 ms a million boxes, and no index of every
    # crossing's rows kept); each stage's times gathered straight into one array
    at = [(k, m) for k in range(st.slots) if len(m := np.flatnonzero(st.crossing[k] == code))]
    n = sum(len(m) for _k, m in at)
    box: dict[str, np.ndarray] = {}
    for stage in (*st.t_crossing, "teu"):
        got = box[stage] = np.empty(n, np.int8 if stage == "teu" else float)
        a = 0
        for k, m in at:
            # (mode "clip": the rows are valid, and "raise" would gather into a buffer of
            # the slot's size and copy it over)
            np.take(st.teu if stage == "teu" else st.t_crossing[stage][k], m,
                    out=got[a:a + len(m)], mode="clip")
            a += len(m)
    return BoxStays(arrived_h=box["arrive"], unloaded_h=box["unloaded"],
                    ready_h=box["ready"], departed_h=box["depart"], teu=box["teu"])


def crossing_record(out: RunOutput, nid: str, stays: BoxStays | None = None,
                    keep: bool = True) -> CrossingRecord:
    """A crossing's record, computed once per run output (from ``stays``, its boxes'
    stays, when the caller has them already); ``keep`` False: not kept for the next
    reader (its yard is three numbers per box: tens of MB at a busy crossing)."""
    key = ("crossing_record", nid)
    got = out.cache.get(key)
    if got is None:
        got = _crossing_record(out, nid, crossing_stays(out, nid) if stays is None else stays)
        if keep:
            out.cache[key] = got
    return got


def _crossing_record(out: RunOutput, nid: str, box: BoxStays) -> CrossingRecord:
    xing = out.crossings[nid]
    log: InboundTrain[np.ndarray] = columns(xing.log, InboundTrain)
    inside = xing.unfinished()
    u_crane = inside.crane_start_h
    on_crane = np.isfinite(u_crane)
    arrive = np.concatenate((log.arrived_h, inside.arrived_h))
    unloaded = np.isfinite(box.unloaded_h)
    cranes: CraneGangs[np.ndarray] = columns(xing.crane_log, CraneGangs)
    queue = Spans(arrive, np.concatenate((log.crane_start_h, u_crane)))
    busy = Spans(np.concatenate((log.crane_start_h, u_crane[on_crane])),
                 np.concatenate((log.unloaded_h, np.full(int(on_crane.sum()), np.nan))))
    if xing.background is not None and xing.background.trains:
        # background trains wait and hold crane gangs too (they carry no modelled boxes)
        bg: BackgroundTrain[np.ndarray] = xing.background.train_log()
        # on a crane from work_h to crane_done_h (NaN: still on it), if they have moves
        worked = np.isfinite(bg.work_h) & (xing.background.moves_per_train > 0)
        queue = Spans(np.concatenate((queue.from_h, bg.arrived_h)),
                      np.concatenate((queue.to_h, bg.work_h)))
        busy = Spans(np.concatenate((busy.from_h, bg.work_h[worked])),
                     np.concatenate((busy.to_h, bg.crane_done_h[worked])))
    return CrossingRecord(
        arrived_h=arrive,
        boxes=np.concatenate((log.boxes, inside.boxes)),
        teu=np.concatenate((log.teu, inside.teu)),
        queue=queue,
        busy=busy,
        yard=WeightedSpans(box.unloaded_h[unloaded], box.departed_h[unloaded],
                           box.teu[unloaded]),  # (int8: the integrals read it as floats)
        cranes=_steps(cranes.from_h, cranes.gangs, out.calendar.end_h))


def _steps(from_h: np.ndarray, value: np.ndarray, end_h: float) -> WeightedSpans:
    """A step function logged as (from hour, value) as intervals [from, to) with weights."""
    return WeightedSpans(from_h, np.append(from_h[1:], end_h), value)


def link_directions(out: RunOutput
                    ) -> Iterator[tuple[str, RailLine, np.ndarray, np.ndarray]]:
    """Per link direction on some flow's path (whether or not a train used it in this
    run, so that every replication reports the same rows): scope ``link:from>to``, the
    link, hours trains reached the link, and hours they entered it."""
    for lid, direction in sorted(out.link_directions):
        line, link = out.lines[lid], out.scenario.links[lid]
        key = ("link_log", lid)  # the link's bookings as arrays, made once per run output
        booked: PathBooking[np.ndarray] | None = out.cache.get(key)
        if booked is None:
            booked = out.cache[key] = line.log_arrays()
        m = booked.direction == direction
        yield direction_scope(lid, link.from_, link.to, direction), line, \
            booked.reached_h[m], booked.entered_h[m]


def routed_scopes(out: RunOutput) -> dict[tuple[int, int], list[str]]:
    """Per (flow, route) code pair a flow may take, the scopes of the link and sea-passage
    directions its path uses, in order."""
    key = ("routed_scopes",)
    if key not in out.cache:
        s = out.scenario
        links = link_index(s)
        got = {}
        for f, (fid, flow) in enumerate(s.demand.flows.items()):
            for rid in routes_of(s, fid):
                path = flow_path(s, flow.origin, flow.destination, rid, links)
                got[(f, out.route_ids.index(rid))] = [
                    service_scope(leg.link_id, leg.direction) if leg.sea else
                    direction_scope(leg.link_id, s.links[leg.link_id].from_,
                                    s.links[leg.link_id].to, leg.direction)
                    for leg in legs(s, path, links)]
        out.cache[key] = got
    return out.cache[key]


def sea_legs(out: RunOutput) -> dict[str, np.ndarray]:
    """Per container and sea passage k = 1, 2 (in the order sailed): the service (index
    into ``out.services``, -1: none) and the hours it arrived at the loading port, sailed,
    was landed (unloaded) at the far port, and left the far port (NaN: not reached)."""
    st = out.store
    n, sids = st.n, list(out.services)
    where = {}
    for pid in out.ports:
        v = visits(out, pid)
        order = np.argsort(v["row"], kind="stable")
        where[pid] = {k: col[order] for k, col in cast(dict[str, np.ndarray], v).items()}
    cols: dict[str, np.ndarray] = {}
    count = np.zeros(n, np.int8)
    sailings = sorted(
        ((sail.sailed_h, i, sail.direction, rows) for i, sid in enumerate(sids)
         for sail, rows in zip(out.services[sid].sailings, out.services[sid].sailing_rows)
         if len(rows)), key=lambda x: x[:3])

    def at(pid: str, rows: np.ndarray, stage: str) -> np.ndarray:
        """The rows' stage hours at a port; NaN for rows that have not reached it."""
        v = where[pid]
        if not len(v["row"]):
            return np.full(len(rows), np.nan)
        j = np.minimum(np.searchsorted(v["row"], rows), len(v["row"]) - 1)
        return np.where(v["row"][j] == rows, v[stage][j], np.nan)

    for t, i, direction, rows in sailings:
        svc = out.services[sids[i]].cfg
        load, land = (svc.from_, svc.to) if direction == 0 else (svc.to, svc.from_)
        k = count[rows]
        count[rows] += 1
        for kk in np.unique(k).tolist():
            r = rows[k == kk]
            p = f"sea{kk + 1}_"
            if p + "service" not in cols:
                cols[p + "service"] = np.full(n, -1, np.int16)
                for stage in ("port_arrive", "sailed", "landed", "port_depart"):
                    cols[p + stage] = np.full(n, np.nan)
            cols[p + "service"][r] = i
            cols[p + "port_arrive"][r] = at(load, r, "arrive")
            cols[p + "sailed"][r] = t
            landed = at(land, r, "unloaded")
            arrived = at(land, r, "arrive")
            mine = np.isfinite(arrived) & (arrived >= t)  # this passage's landing
            cols[p + "landed"][r] = np.where(mine, landed, np.nan)
            cols[p + "port_depart"][r] = np.where(mine, at(land, r, "depart"), np.nan)
    return cols


def sailing_columns(svc: VesselService) -> Sailing[np.ndarray]:
    """A vessel service's sailings as columns."""
    return columns(svc.sailings, Sailing)


# -- quantities that the KPIs (per year) and the daily series both report: one definition
def vessel_utilisation(svc: VesselService, edges: np.ndarray, end_h: float) -> np.ndarray:
    """Per window: the share of the fleet's hours in service not spent idle (NaN where
    the fleet had no vessel in service)."""
    a, b = svc.idle_intervals()
    idle = window_means(a, b, edges, end=end_h)
    act: FleetSize[np.ndarray] = columns(svc.active, FleetSize)
    in_service = window_means(act.from_h, np.append(act.from_h[1:], end_h), edges,
                              act.vessels, end=end_h)
    return np.divide(in_service - idle, in_service, out=np.full(len(idle), np.nan),
                     where=in_service > 0)


def crane_utilisation(rec: CrossingRecord, edges: np.ndarray, end_h: float) -> np.ndarray:
    """Per window: busy crane-hours / crane-hours in force (NaN where none were)."""
    busy = window_means(*rec.busy, edges, end=end_h)
    c = rec.cranes
    avail = window_means(c.from_h, c.to_h, edges, c.weight, end=end_h)
    return np.divide(busy, avail, out=np.full(len(busy), np.nan), where=avail > 0)


def crossing_yard_teu(rec: CrossingRecord, edges: np.ndarray, end_h: float) -> np.ndarray:
    """Per window: time-average TEU in a crossing's yard (unloaded, not yet departed)."""
    y = rec.yard
    return window_means(y.from_h, y.to_h, edges, y.weight, end=end_h)


def port_yard_teu(out: RunOutput, pid: str, edges: np.ndarray) -> np.ndarray:
    """Per window: time-average TEU in the yard of a port (or any facility whose stays
    are read from its visits: unloaded, not yet released to a train or vessel; wagons
    rolled off or on a ferry, visit kinds 2 and 3, never enter the yard)."""
    v = visits(out, pid)
    teu = out.store.teu[v["row"]].astype(float)
    done = np.isfinite(v["unloaded"]) & (v["kind"] <= 1)
    occ = window_means(v["unloaded"][done], v["release"][done], edges, teu[done],
                       end=out.calendar.end_h)
    bg = out.facilities[pid].background
    if bg is not None and bg.batches:  # the background TEU in the yard, too
        b: BackgroundBatch[np.ndarray] = bg.batch_log()
        came = np.isfinite(b.in_yard_h)
        occ = occ + window_means(b.in_yard_h[came], b.left_h[came], edges, b.teu[came],
                                 end=out.calendar.end_h)
    return occ


def yard_capacity(fac: TransferFacility, edges: np.ndarray, end_h: float) -> np.ndarray:
    """Time-average yard capacity in force per window (timeline changes included)."""
    cap: YardCapacity[np.ndarray] = columns(fac.yard_log, YardCapacity)
    return window_means(cap.from_h, np.append(cap.from_h[1:], end_h), edges,
                        cap.capacity_teu, end=end_h)


def yard_utilisation(fac: TransferFacility, yard_teu: np.ndarray, edges: np.ndarray,
                     end_h: float) -> np.ndarray:
    """Per window: time-average TEU in the yard (``yard_teu``) / time-average capacity."""
    return yard_teu / yard_capacity(fac, edges, end_h)


def closed_share(closures: Sequence[tuple[float, float]], edges: np.ndarray, end_h: float
                 ) -> np.ndarray:
    """Per window: the share of the time a facility was closed, from its closures
    ``(from, to)`` (to NaN: still closed at the end)."""
    shut: Span[np.ndarray] = columns(closures, Span)
    return window_means(shut.from_h, shut.to_h, edges, end=end_h)
