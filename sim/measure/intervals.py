"""What happened at each facility during a run, as arrays of events and intervals; the
KPIs (per year) and the daily series both summarise these, over different windows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.records import rows_array
from sim.measure.monitors import window_means

if TYPE_CHECKING:
    from sim.engine.model import RunOutput


@dataclass
class CrossingRecord:
    """One crossing's inbound trains (handled or still inside at the end) and boxes."""

    arrive: np.ndarray        # per inbound train: arrival hour
    boxes: np.ndarray         # per inbound train
    teu: np.ndarray           # per inbound train
    queue: tuple[np.ndarray, np.ndarray]   # per train: arrival -> crane start (NaN: open)
    busy: tuple[np.ndarray, np.ndarray]    # per train on a crane: start -> unloaded (NaN)
    yard: tuple[np.ndarray, np.ndarray, np.ndarray]  # per box unloaded: -> depart, TEU
    box: dict[str, np.ndarray]  # per box that arrived: depart hour and the dwell parts
    cranes: tuple[np.ndarray, np.ndarray, np.ndarray]  # crane gangs available: from, to, n


def port_visits(out: RunOutput, pid: str) -> dict[str, np.ndarray]:
    """A port's box visits (:meth:`PortFacility.visits`), computed once per run output."""
    key = ("port_visits", pid)
    if key not in out.cache:
        out.cache[key] = out.ports[pid].visits(out.store.n, out.calendar.end_h)
    return out.cache[key]


def crossing_record(out: RunOutput, nid: str) -> CrossingRecord:
    key = ("crossing_record", nid)
    if key not in out.cache:
        out.cache[key] = _crossing_record(out, nid)
    return out.cache[key]


def _crossing_record(out: RunOutput, nid: str) -> CrossingRecord:
    xing, st = out.crossings[nid], out.store
    log = rows_array(xing.log, 6)
    u_arrive, u_crane, u_boxes, u_teu = xing.unfinished()
    on_crane = np.isfinite(u_crane)
    arrive = np.concatenate((log[:, 0], u_arrive))
    code = out.node_ids.index(nid)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (
        "t", "dwell", "handling", "customs", "consolidation", "unloaded", "teu", "arrive")}
    for k in range(st.slots):
        m = np.flatnonzero(st.crossing[k] == code)
        if not len(m):
            continue
        T = {stage: st.t_crossing[stage][k][m] for stage in st.t_crossing}
        parts["t"].append(T["depart"])
        parts["dwell"].append(T["depart"] - T["arrive"])
        parts["handling"].append(T["unloaded"] - T["arrive"])
        parts["customs"].append(T["ready"] - T["unloaded"])
        parts["consolidation"].append(T["depart"] - T["ready"])
        parts["unloaded"].append(T["unloaded"])
        parts["teu"].append(st.teu[m].astype(float))
        parts["arrive"].append(T["arrive"])
    box = {k: np.concatenate(v) if v else np.empty(0) for k, v in parts.items()}
    unloaded = np.isfinite(box["unloaded"])
    return CrossingRecord(
        arrive=arrive,
        boxes=np.concatenate((log[:, 4], u_boxes)),
        teu=np.concatenate((log[:, 5], u_teu)),
        queue=(arrive, np.concatenate((log[:, 2], u_crane))),
        busy=(np.concatenate((log[:, 2], u_crane[on_crane])),
              np.concatenate((log[:, 3], np.full(int(on_crane.sum()), np.nan)))),
        yard=(box["unloaded"][unloaded], box["t"][unloaded], box["teu"][unloaded]),
        box=box,
        cranes=_steps(xing.crane_log, out.calendar.end_h))


def _steps(log: list[tuple[float, int]], end_h: float):
    """A step function logged as (from hour, value) as intervals [from, to) with weights."""
    t = np.array([a for a, _ in log], float)
    v = np.array([b for _, b in log], float)
    return t, np.append(t[1:], end_h), v


def link_directions(out: RunOutput) -> Iterator[tuple[str, object, np.ndarray, np.ndarray]]:
    """Per link direction on some flow's path (whether or not a train used it in this
    run, so that every replication reports the same rows): scope ``link:from>to``, the
    link, hours trains reached the link, and hours they entered it."""
    logs: dict[str, tuple] = {}
    for lid, direction in sorted(out.link_directions):
        line, link = out.lines[lid], out.scenario.links[lid]
        if lid not in logs:
            logs[lid] = line.log_arrays()
        reached, entered, d = logs[lid]
        m = d == direction
        yield direction_scope(lid, link.from_, link.to, direction), line, reached[m], \
            entered[m]


def direction_scope(lid: str, from_: str, to: str, direction: int) -> str:
    """The scope naming one direction of a link in the KPIs and daily series:
    ``link:from>to`` (direction 0 from -> to, 1 back)."""
    a, b = (from_, to) if direction == 0 else (to, from_)
    return f"{lid}:{a}>{b}"


def service_scope(sid: str, direction: int) -> str:
    """The scope naming one direction of a vessel service: ``SERVICE`` from its home port,
    ``SERVICE:return`` back."""
    return sid if direction == 0 else f"{sid}:return"


def routed_scopes(out: RunOutput) -> dict[tuple[int, int], list[str]]:
    """Per (flow, route) code pair a flow may take, the scopes of the link and sea-passage
    directions its path uses, in order."""
    from sim.scenario.network import flow_path, legs, link_index, routes_of
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
        v = port_visits(out, pid)
        order = np.argsort(v["row"], kind="stable")
        where[pid] = ({k: v[k][order] for k in v})
    cols: dict[str, np.ndarray] = {}
    count = np.zeros(n, np.int8)
    sailings = sorted(
        ((rec[2], i, rec[1], rows) for i, sid in enumerate(sids)
         for rec, rows in zip(out.services[sid].sailings, out.services[sid].sailing_rows)
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


def vessel_utilisation(svc, edges: np.ndarray, end_h: float) -> np.ndarray:
    """Per window: the share of the fleet's hours in service not spent idle (NaN where
    the fleet had no vessel in service). One definition for the KPI and the daily series."""
    a, b = svc.idle_intervals()
    idle = window_means(a, b, edges, end=end_h)
    act = np.array(svc.active, float).reshape(-1, 2)
    in_service = window_means(act[:, 0], np.append(act[1:, 0], end_h), edges, act[:, 1],
                              end=end_h)
    return np.divide(in_service - idle, in_service, out=np.full(len(idle), np.nan),
                     where=in_service > 0)
