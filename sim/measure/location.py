"""Where every container is, found positively from its own stamps and the carriers' logs.

Each place is a set of half-open intervals ``[from, to)`` in model hours, each opened by
the stamp that puts a box there and closed by the stamp that takes it away (a NaN ``to``:
still there). A box is in a place at hour ``t`` when ``from <= t < to``:

=====================  ================================================================
place                  the stamps that put a box there
=====================  ================================================================
``not_created``        ``t < t_created``
``at_origin``          ``t_created`` .. ``t_depart_origin`` (or the hour its train was
                       refused)
``refused``            its train's planned hour onwards, when it was refused at the
                       origin (due while a train of its flow was held there and no route
                       of the flow accepted trains: ``AcceptanceGate.refused``)
``on_train``           one more departure by train (origin, crossing, port) than arrivals
                       by train (crossing, port by rail, destination) up to ``t``
``crossing_handling``  crossing ``arrive`` .. ``unloaded`` (queueing for a track, yard
                       space and a crane, and being unloaded)
``crossing_customs``   crossing ``unloaded`` .. ``ready``
``crossing_waiting``   crossing ``ready`` .. ``depart`` (waiting for the outbound train)
``port_handling``      port arrival by rail, or the vessel's landing of the load, ..
                       unloaded into the yard
``port_customs``       port ``unloaded`` .. ``ready``
``port_waiting``       port ``ready`` .. ``release`` (taken from the yard)
``port_loading``       port ``release`` .. ``depart`` (being loaded onto a vessel)
``on_vessel``          a sailing carrying the box .. the hour the vessel landed its load
``delivered``          ``t_delivered`` onwards
=====================  ================================================================

The ``port_*`` places hold the boxes at any transfer facility whose stays are read from
its visits (:func:`sim.measure.intervals.visited`: the ports, and any kind that transfers
boxes without joining gauges). Nothing is "wherever else": :func:`survey` counts, for
each box, the places whose stamps hold it, and reports as a problem every box found in no
place or in two, every box with more train departures than one ahead of its arrivals (or
fewer), every box that did not arrive with the rest of its train, and every sea landing
that no sailing made.
:func:`locate` returns the places grouped as the KPIs report them (the keys of
``containers_in_system``) and raises :class:`LocationError` on any problem.

The engine's logs are read only in :func:`_carriers` and :func:`_trains` (and port
visits through :func:`sim.measure.intervals.visits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import OriginTrain, OutboundTrain, Refused, columns
from sim.measure.intervals import by_rail, visited, visits

if TYPE_CHECKING:
    from sim.engine.output import RunOutput

PLACES = ("not_created", "at_origin", "on_train", "crossing_handling", "crossing_customs",
          "crossing_waiting", "port_handling", "port_customs", "port_waiting",
          "port_loading", "on_vessel", "delivered", "refused")
# the places as the KPIs group them (containers_in_system scopes), in kpis.locate's order
GROUPS: dict[str, tuple[str, ...]] = {
    "delivered": ("delivered",),
    "refused": ("refused",),
    "at_origin": ("at_origin",),
    "at_crossing": ("crossing_handling", "crossing_customs", "crossing_waiting"),
    "at_port": ("port_handling", "port_customs", "port_waiting", "port_loading"),
    "at_sea": ("on_vessel",),
    "on_rail": ("on_train",),
}
EXAMPLES = 10  # problems listed in full; the rest are counted


class LocationError(ValueError):
    """Containers found in no place or in two (the logs or stamps are inconsistent)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:EXAMPLES]
        more = len(problems) - len(shown)
        super().__init__("containers not located in exactly one place:\n  "
                         + "\n  ".join(shown) + (f"\n  ... and {more} more" if more else ""))


@dataclass
class Trains:
    """Carriers that left a stop with known boxes: per carrier its departure hour and
    where it left (an index into ``labels``, for messages), and its rows (concatenated,
    carrier by carrier)."""

    depart: np.ndarray
    source: np.ndarray
    labels: list[str]
    rows: np.ndarray
    sizes: np.ndarray


def _carriers(out: RunOutput) -> tuple[list, list]:
    """The vessels' and the ports' logs, read in one place: port departures by train per
    port ``(rows, hours)``, and sailings ``(rows, sail hour, anchorage arrival, landing
    hour, landing port)``."""
    by_rail = []
    for port in visited(out).values():  # ports, and any facility whose stays are visits
        t = columns(port.out_log, OutboundTrain).departed_h
        size = np.fromiter(map(len, port.out_rows), np.int64, len(port.out_rows))
        seats = np.concatenate(port.out_rows) if port.out_rows else np.empty(0, np.int64)
        by_rail.append((seats, np.repeat(t, size)))
    sailings = []
    for svc in out.services.values():
        for rec, idx in zip(svc.sailings, svc.sailing_rows):
            if len(idx):
                land_at = svc.cfg.to if rec.direction == 0 else svc.cfg.from_
                sailings.append((np.asarray(idx, np.int64), rec.sailed_h, rec.arrived_h,
                                 rec.landed_h, land_at))
    return by_rail, sailings


def _trains(out: RunOutput) -> Trains:
    """Every train that left an origin, a crossing or a port, with its rows (origin
    trains first, flow by flow), from the origin-train log and the facilities' outbound
    logs: in one place."""
    st = out.store
    ot = columns(out.origin_trains, OriginTrain)
    # each flow's trains in departure order (the log is in event order)
    order = np.argsort(ot.flow, kind="stable")
    flow = ot.flow[order].astype(np.int64)
    dep0, n0 = ot.departed_h[order], ot.boxes[order].astype(np.int64)
    # a flow's rows, in row order, are its boxes in order of arrival (the store numbers
    # them flow by flow; a market flow's, sim.engine.market, day by day after those);
    # each train takes the next ones, those of the trains refused at the origin left out
    n_flows = len(out.flow_ids)
    by_flow = np.argsort(st.flow, kind="stable")
    if out.gate is not None and out.gate.refused_rows:  # rows no train took (refused)
        took = np.ones(st.n, bool)
        took[np.concatenate(out.gate.refused_rows)] = False
        by_flow = by_flow[took[by_flow]]
        per_flow = np.bincount(st.flow[took], minlength=n_flows)
    else:
        per_flow = np.bincount(st.flow, minlength=n_flows)
    first_row = np.concatenate(([0], np.cumsum(per_flow)))
    taken = np.bincount(flow, weights=n0, minlength=n_flows).astype(np.int64)
    rows = [by_flow[first_row[f]:first_row[f] + taken[f]] for f in range(n_flows)]
    dep, source, sizes = [dep0], [flow], [n0]
    labels = [f"origin train of {fid}" for fid in out.flow_ids]
    for nid, fac in [*out.crossings.items(), *visited(out).items()]:
        dep.append(columns(fac.out_log, OutboundTrain).departed_h)
        source.append(np.full(len(fac.out_log), len(labels)))
        labels.append(f"train leaving {nid}")
        rows += fac.out_rows
        sizes.append(np.fromiter(map(len, fac.out_rows), np.int64, len(fac.out_rows)))
    return Trains(np.concatenate(dep), np.concatenate(source), labels,
                  np.concatenate(rows).astype(np.int64, copy=False), np.concatenate(sizes))


def _inside(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Whether ``a <= t < b`` (``a`` NaN: never; ``b`` NaN: open)."""
    return (a <= t) & ~(b <= t)


def survey(out: RunOutput, at_h: float | None = None, trains: bool = True
           ) -> tuple[dict[str, np.ndarray], list[str]]:
    """Per place of :data:`PLACES`, how many times each box is found there at hour
    ``at_h`` (default: the end of the run), and the problems found (see the module
    docstring); an empty list when every box is in exactly one place.

    ``trains=False`` leaves out the checks of each train's boxes against the train logs
    (that they arrived together, were stamped with its departure and rode the trains
    their stamps say): the places and the one-place check are the same, at about a third
    of the cost on a year's run."""
    st = out.store
    end_h = out.calendar.end_h
    t = end_h if at_h is None else float(at_h)
    n = st.n
    count = {p: np.zeros(n, np.int8) for p in PLACES}

    count["not_created"] += ~(st.t_created <= t)
    refused_h = _refused_h(out)
    if refused_h is None:
        count["at_origin"] += _inside(st.t_created, st.t_depart_origin, t)
    else:
        count["at_origin"] += _inside(st.t_created, np.fmin(st.t_depart_origin, refused_h), t)
        count["refused"] += refused_h <= t
    count["delivered"] += st.t_delivered <= t

    # train departures and arrivals: their balance puts a box on a train
    # (int16: a box leaves and reaches a handful of stops; a quarter of int64's passes)
    departed = (st.t_depart_origin <= t).astype(np.int16)
    arrived = (st.t_delivered <= t).astype(np.int16)
    arrivals = [st.t_delivered]  # every arrival by train, for the trains' own check
    tc = st.t_crossing
    for k in range(st.slots):
        arrive, unloaded, ready, depart = (tc[s][k] for s in ("arrive", "unloaded",
                                                               "ready", "depart"))
        count["crossing_handling"] += _inside(arrive, unloaded, t)
        count["crossing_customs"] += _inside(unloaded, ready, t)
        count["crossing_waiting"] += _inside(ready, depart, t)
        departed += depart <= t
        arrived += arrive <= t
        if np.isfinite(arrive).any():
            arrivals.append(arrive)

    by_rail, sailings = _carriers(out)
    for rows, hours in by_rail:
        np.add.at(departed, rows[hours <= t], 1)

    aboard, port_arrivals, problems = _sea_and_ports(out, sailings, count, arrived, t)
    if aboard:
        np.add.at(count["on_vessel"], np.concatenate(aboard), 1)
    arrivals += port_arrivals
    balance = departed - arrived
    count["on_train"] += balance == 1
    for r in np.flatnonzero((balance < 0) | (balance > 1)).tolist():
        problems.append(f"container {r}: {departed[r]} departures by train and "
                        f"{arrived[r]} arrivals by train up to {t:.6g} h")
    if trains:
        problems += _train_problems(out, arrivals, by_rail, t)

    total = sum(count.values())
    for r in np.flatnonzero(total != 1).tolist():
        where = [p for p in PLACES if count[p][r]]
        problems.append(f"container {r} is in {len(where) or 'no'} place"
                        f"{'s' if len(where) != 1 else ''} at {t:.6g} h"
                        + (f": {', '.join(where)}" if where else ""))
    if at_h is None and count["not_created"].any():
        problems.append(f"{int(count['not_created'].sum())} containers created at or "
                        "after the end of the run")
    return count, problems


def _refused_h(out: RunOutput) -> np.ndarray | None:
    """Per box, the hour its train was refused at its origin (NaN: it was not); None when
    none was."""
    gate = out.gate
    if gate is None or not gate.refused:
        return None
    h = np.full(out.store.n, np.nan)
    rf: Refused[np.ndarray] = columns(gate.refused, Refused)
    h[np.concatenate(gate.refused_rows)] = np.repeat(rf.hour, rf.boxes.astype(np.int64))
    return h


def _sea_and_ports(out: RunOutput, sailings: list, count: dict[str, np.ndarray],
                   arrived: np.ndarray, t: float
                   ) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    """The boxes aboard a vessel at hour ``t`` (rows per sailing); the port places,
    added to ``count``; arrivals by rail at ports, added to ``arrived`` and returned as
    hour arrays (a box's k-th such arrival in the k-th); and the landings no sailing
    made."""
    n = out.store.n
    problems: list[str] = []
    # sailings: a box is on the vessel from the sailing until the load is landed
    # per landing port: (row + 1j * anchorage hour, landing hour) of each box sailed there
    landing: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    aboard = [idx for idx, t_sail, _a, t_landed, _p in sailings
              if t_sail <= t and not t_landed <= t]
    for idx, _t_sail, t_anchor, t_landed, land_at in sailings:
        if t_anchor == t_anchor:  # reached the far anchorage
            landing.setdefault(land_at, []).append((idx + 1j * t_anchor,
                                                    np.full(len(idx), t_landed)))

    port_arrivals: list[np.ndarray] = []
    for pid in visited(out):
        v = visits(out, pid)
        rail = by_rail(v["kind"])
        start = np.where(rail, v["arrive"], np.nan)
        sea = np.flatnonzero(~rail)
        if len(sea):  # a load arriving by sea is in the port once the vessel landed it
            got = landing.get(pid, [])
            k_all = np.concatenate([k for k, _ in got]) if got else np.empty(0, complex)
            h_all = np.concatenate([h for _, h in got]) if got else np.empty(0)
            order = np.argsort(k_all)
            k_all, h_all = k_all[order], h_all[order]
            want = v["row"][sea] + 1j * v["arrive"][sea]
            j = np.minimum(np.searchsorted(k_all, want), max(len(k_all) - 1, 0))
            found = (k_all[j] == want) if len(k_all) else np.zeros(len(sea), bool)
            start[sea[found]] = h_all[j[found]]
            for r, a in zip(v["row"][sea[~found]].tolist(), v["arrive"][sea[~found]].tolist()):
                problems.append(f"container {r} landed at {pid} (anchorage {a:.6g} h) "
                                "from no sailing")
        for place, a, b in (("port_handling", start, v["unloaded"]),
                            ("port_customs", v["unloaded"], v["ready"]),
                            ("port_waiting", v["ready"], v["release"]),
                            ("port_loading", v["release"], v["depart"])):
            # (each row once per visit it is in: added in place, no array of every box)
            np.add.at(count[place], v["row"][_inside(a, b, t)], 1)
        np.add.at(arrived, v["row"][rail & (v["arrive"] <= t)], 1)
        # arrivals by rail at ports, packed: a box's k-th such arrival in port_arrivals[k]
        rows, hours = v["row"][rail], v["arrive"][rail]
        for col in port_arrivals:
            free = np.isnan(col[rows])
            col[rows[free]] = hours[free]
            rows, hours = rows[~free], hours[~free]
        while len(rows):
            port_arrivals.append(np.full(n, np.nan))
            col = port_arrivals[-1]
            first = np.unique(rows, return_index=True)[1]
            col[rows[first]] = hours[first]
            keep = np.ones(len(rows), bool)
            keep[first] = False
            rows, hours = rows[keep], hours[keep]

    return aboard, port_arrivals, problems


def _train_problems(out: RunOutput, arrivals: list[np.ndarray], by_rail: list, t: float
                    ) -> list[str]:
    """The checks of each train's boxes against the train logs (see :func:`survey`)."""
    st, n = out.store, out.store.n
    logged = _trains(out)
    problems = _left_behind(logged, arrivals, t)
    problems += _unstamped(logged, st.t_depart_origin, out.origin_trains)
    # every departure by train stamped is a seat on a logged train, and the reverse
    stamped = np.isfinite(st.t_depart_origin).astype(np.int64)
    for k in range(st.slots):
        stamped += np.isfinite(st.t_crossing["depart"][k])
    for rows, _hours in by_rail:
        stamped += np.bincount(rows, minlength=n)
    seats = np.bincount(logged.rows, minlength=n)
    for r in np.flatnonzero(seats != stamped).tolist():
        problems.append(f"container {r} left {stamped[r]} stops by train by its stamps "
                        f"but rode {seats[r]} logged trains")
    return problems


def _left_behind(trains: Trains, arrivals: list[np.ndarray], t: float) -> list[str]:
    """Boxes of one train that did not reach its next stop with the others: per box, the
    first arrival by train at or after its train left (and by hour ``t``), which must be
    the same for every box of the train."""
    if not len(trains.rows):
        return []
    dep = np.repeat(trains.depart, trains.sizes)
    nxt = np.full(len(dep), np.inf)
    for a in arrivals:
        x = a[trains.rows]
        x[(x < dep) | (x > t)] = np.inf  # NaN stays NaN, which fmin ignores
        np.fmin(nxt, x, out=nxt)
    starts = np.concatenate(([0], np.cumsum(trains.sizes)[:-1]))
    first = np.repeat(np.minimum.reduceat(nxt, starts), trains.sizes)
    out = []
    for i in np.flatnonzero(nxt != first).tolist():
        j = int(np.searchsorted(starts, i, side="right") - 1)
        out.append(f"container {trains.rows[i]} did not arrive with its train "
                   f"({trains.labels[trains.source[j]]} at {trains.depart[j]:.6g} h, "
                   f"arrived {first[i]:.6g} h)")
    return out


def _unstamped(trains: Trains, t_depart_origin: np.ndarray, origin_log: list) -> list[str]:
    """Boxes of an origin train not stamped with its departure hour (the origin trains
    come first in ``trains``)."""
    m = len(origin_log)
    n_rows = int(trains.sizes[:m].sum())
    want = np.repeat(trains.depart[:m], trains.sizes[:m])
    rows = trains.rows[:n_rows]
    bad = np.flatnonzero(t_depart_origin[rows] != want)
    return [f"container {rows[i]} is not stamped with its origin train's departure "
            f"({want[i]:.6g} h)" for i in bad.tolist()]


def places(out: RunOutput, at_h: float | None = None, trains: bool = True
           ) -> dict[str, np.ndarray]:
    """Per place of :data:`PLACES`, which boxes are there at hour ``at_h`` (default: the
    end of the run). Raises :class:`LocationError` unless each box is in exactly one (and,
    with ``trains``, its train logs agree: see :func:`survey`)."""
    count, problems = survey(out, at_h, trains)
    if problems:
        raise LocationError(problems)
    return {p: c > 0 for p, c in count.items()}


def locate(out: RunOutput, at_h: float | None = None, trains: bool = True
           ) -> dict[str, np.ndarray]:
    """Where each container is at hour ``at_h`` (default: the end of the run), grouped as
    the KPIs report it: ``delivered``, ``refused``, ``at_origin``, ``at_crossing``, ``at_port``,
    ``at_sea`` and ``on_rail``, plus ``not_created`` when ``at_h`` is given. Exactly one
    mask is true per row; :class:`LocationError` otherwise (``trains``: see
    :func:`survey`)."""
    fine = places(out, at_h, trains)
    where = {g: np.logical_or.reduce([fine[p] for p in parts])
             for g, parts in GROUPS.items()}
    if at_h is not None:
        where["not_created"] = fine["not_created"]
    return where


def scope_words(data: dict) -> set[str]:
    """What a KPI's scope may begin with in a run of the resolved scenario ``data``:
    'all', the ids of its nodes, links, services, fleets, routes (and their corridors),
    flows, seas and wagon pools, its countries and regions and the pairs of countries,
    the directions, and the places a box in the system is (sim.measure.location.GROUPS,
    'not_departed')."""
    words = {"all", "westbound", "eastbound", "both", "not_departed", *GROUPS}
    for table in ("nodes", "links", "services", "fleets", "routes", "seas", "wagon_pools"):
        words.update(data.get(table) or {})
    words.update((data.get("demand") or {}).get("flows") or {})
    words.update(r["corridor"] for r in (data.get("routes") or {}).values()
                 if r.get("corridor"))
    countries = {n.get("country") for n in (data.get("nodes") or {}).values()} - {None}
    words.update(countries)
    words.update(n.get("region") for n in (data.get("nodes") or {}).values()
                 if n.get("region"))
    words.update(f"{a}-{b}" for a in countries for b in countries if a < b)
    return words
