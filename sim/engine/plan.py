"""A train's plan: the rail steps of each (flow, route), compiled once from its path.

A block train leaving its origin, or a train formed at a crossing or port, runs the steps
of its plan from where it is, one rail link per step: it books a path on the link, runs
it, and then, by the step's ``then``:

* ``JUNCTION``: stops for a drawn time (if the node has a stop) and runs on;
* ``TRANSFER``: is received by the facility of a node whose kind transfers boxes (a
  crossing, a port, ...), whose ``receive`` puts its boxes into ``pool``: the vessel
  service's when the path goes on by sea (its wagons roll on from the ferry sidings where
  the service rolls them on there), else the facility's outbound trains for the onward
  path (of :meth:`outbound_train_boxes` boxes); a block train (a flow arriving as block
  trains, not yet broken up) crosses a crossing whole, on a train of its own
  (:mod:`~sim.engine.facilities.block`; no pool);
* ``DELIVER``: its boxes are delivered.

Sea legs have no step: the vessel service lands the boxes at the far port, whose dispatch
table (per flow and route) names the pool that takes them on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.engine.facilities.block import WholeTrains
from sim.engine.facilities.border import BorderCrossing
from sim.engine.facilities.formation import TrainFormation
from sim.engine.facilities.port import Dispatch, Onward, RollDispatch, VesselService
from sim.engine.facilities.rail import Draws, RailLine
from sim.engine.facilities.transfer import TransferFacility
from sim.engine.records import ContainerStore
from sim.scenario.kinds import kind_of
from sim.scenario.network import (
    Leg,
    booked_together,
    crossing_gauges,
    flow_path,
    legs,
    link_index,
    routes_of,
)
from sim.scenario.schema import Scenario

# what happens at the end of a step's link
JUNCTION, TRANSFER, DELIVER = 0, 1, 2

Receive = Callable[[np.ndarray, int, TrainFormation], None]  # rows, teu, pool


class LinkStep(NamedTuple):
    """One rail link of a plan, and what happens at its end (``then``); fields that do not
    apply to that kind of step are None. Plans hold each step as a plain tuple in this
    field order (:data:`Step`, made by :func:`step_row`)."""

    book: Callable[[int, float, float], float]  # the link's path booking (RailLine.book)
    direction: int                               # 0: from -> to, 1: back
    length_km_x24: float        # the link's length x 24 h/day: hours = this / speed
    draw_speed_km_per_day: Callable[[], float]   # the link's running-speed draw
    then: int                   # JUNCTION, TRANSFER or DELIVER
    draw_stop_h: Callable[[], float] | None      # JUNCTION: the node's stop-time draw
    receive: Receive | None     # TRANSFER: the facility's receive
    pool: TrainFormation | None  # TRANSFER: the pool the train's boxes join there


# A LinkStep as a plain tuple: trains unpack their steps in the model's hottest loop, and
# unpacking a NamedTuple costs about twice a plain tuple's (mypy checks that the two agree)
Step = tuple[Callable[[int, float, float], float], int, float, Callable[[], float], int,
             Callable[[], float] | None, Receive | None, TrainFormation | None]

# a train's continuation: (rows, teu, steps, position of its next step) -> None
Journey = Callable[[np.ndarray, int, list[Step], int], None]
# the (link, direction)s a train books up to its next stop -> what it tells on leaving
OnBooking = Callable[[list[tuple[str, int]]], Callable[[int], None] | None]


def step_row(step: LinkStep) -> Step:
    """The step as a plain tuple, in :class:`LinkStep`'s field order."""
    return (*step,)


@dataclass
class Plans:
    """The compiled plans of a run."""

    steps: dict[tuple[int, int], list[Step]]  # per (flow, route) code pair
    sea: set[tuple[int, int]]  # (flow, route) pairs whose path crosses the sea
    slot_lut: np.ndarray  # (flow, route, node) -> k: the node is the k-th crossing; or -1
    link_directions: set[tuple[str, int]]  # (link id, direction) on some plan


def compile_plans(scenario: Scenario, route_ids: list[str], node_code: dict[str, int],
                  store: ContainerStore, lines: dict[str, RailLine],
                  facilities: dict[str, TransferFacility],
                  services: dict[str, VesselService], junction_dwell: dict[str, Draws],
                  journey: Journey, roll_on: dict[str, Receive] | None = None,
                  on_booking: OnBooking | None = None) -> Plans:
    """Compile the rail steps of every (flow, route), creating the formation pools they
    feed, and give each vessel service the dispatch of the boxes it lands.

    ``journey(rows, teu, steps, pos)`` runs a train on from step ``pos``: trains formed
    at a transfer facility on the path continue by it; ``facilities``: the transfer
    facilities by node; ``roll_on``: per ferry service whose wagons roll on at its home
    port, the receive of trains whose boxes sail on it from there; ``on_booking``: given
    the (link, direction)s a train leaving a stop books up to its next stop, what it tells
    on leaving (its TEU: the acceptance limits' line meters), or None."""
    s = scenario
    links = link_index(s)
    n_flows, n_routes = len(s.demand.flows), len(route_ids)
    plans = Plans({}, set(), np.full((n_flows, n_routes, len(node_code)), -1, np.int8),
                  set())
    dispatch_tables: dict[tuple[str, int], dict[int, TrainFormation]] = {}
    # for ferries that roll wagons off: per (service, direction) and code, the onward
    # train's continuation (one per onward pool), or None where the boxes sail on
    roll_tables: dict[tuple[str, int], dict[int, tuple[int, Onward | None]]] = {}
    onward_of_pool: dict[int, Onward] = {}

    def go_on_from(steps: list[Step], lg: list[Leg], i: int, pos: int) -> Onward:
        """A train leaving the stop before leg ``i`` (step ``pos``) runs on from there."""
        note = None
        if on_booking is not None:
            note = on_booking(booked_together(s, lg, i))
        return _onward(journey, steps, pos, note)

    def vessel_pool(leg: Leg) -> TrainFormation:
        """The pool of boxes waiting for the vessel service of a sea leg, at its start."""
        svc = services[leg.link_id]
        return svc.out_pool if leg.direction == 0 else svc.back_pool

    for f, (fid, flow) in enumerate(s.demand.flows.items()):
        for rid in routes_of(s, fid):
            r = route_ids.index(rid)
            path = flow_path(s, flow.origin, flow.destination, rid, links)
            gauges = {b: gout for b, _gin, gout in crossing_gauges(s, path)}
            lg = legs(s, path, links)
            step_of, n = {}, 0
            for i, leg in enumerate(lg):
                if not leg.sea:
                    step_of[i], n = n, n + 1
            steps: list[Step] = []
            # a block train crosses gauge changes whole until it is broken up (its boxes
            # join a pool at some other transfer, or go on by sea)
            whole = flow.arrives_as == "block_trains"
            for i, leg in enumerate(lg):
                if leg.sea:
                    whole = False
                    plans.sea.add((f, r))
                    far = facilities[leg.node]
                    go_on: Onward | None = None
                    if i + 1 < len(lg) and lg[i + 1].sea:  # straight onto another vessel
                        pool = vessel_pool(lg[i + 1])
                    else:
                        go_on = go_on_from(steps, lg, i + 1, step_of[i + 1])
                        pool = far.pool(tuple(path[i + 2:]), far.outbound_train_boxes(None),
                                        go_on)
                        go_on = onward_of_pool.setdefault(id(pool), go_on)
                    table = dispatch_tables.setdefault((leg.link_id, leg.direction), {})
                    table[f * n_routes + r] = pool
                    roll_tables.setdefault((leg.link_id, leg.direction), {})[
                        f * n_routes + r] = (id(pool), go_on)
                    continue
                line = lines[leg.link_id]
                node = s.nodes[leg.node]
                # at the destination: deliver; elsewhere as the node's kind says
                step = LinkStep(book=line.book, direction=leg.direction,
                                length_km_x24=line.length_km_x24,
                                draw_speed_km_per_day=line.speed.one, then=DELIVER,
                                draw_stop_h=None, receive=None, pool=None)
                if i == len(lg) - 1:
                    steps.append(step_row(step))
                    continue
                if kind_of(node).transfers_boxes:
                    fac = facilities[leg.node]
                    receive: Receive = fac.receive
                    if whole and not lg[i + 1].sea and isinstance(fac, BorderCrossing):
                        # the block train crosses whole, on an onward train of its own
                        receive = WholeTrains(fac, go_on_from(steps, lg, i + 1, step_of[i + 1]),
                                              gauges[leg.node]).receive
                        step = step._replace(then=TRANSFER, receive=receive, pool=None)
                        steps.append(step_row(step))
                        continue
                    whole = False  # its boxes join a pool here: no longer one train
                    if lg[i + 1].sea:  # onto a vessel of the service
                        onward = vessel_pool(lg[i + 1])
                        if lg[i + 1].direction == 0 and roll_on:  # its wagons roll on
                            receive = roll_on.get(lg[i + 1].link_id, receive)
                    else:  # pool: boxes with the same onward path
                        onward = fac.pool(tuple(path[i + 2:]),
                                          fac.outbound_train_boxes(gauges.get(leg.node)),
                                          go_on_from(steps, lg, i + 1, step_of[i + 1]),
                                          gauges.get(leg.node))
                    step = step._replace(then=TRANSFER, receive=receive, pool=onward)
                else:
                    stop = junction_dwell.get(leg.node)
                    step = step._replace(then=JUNCTION,
                                         draw_stop_h=stop.one if stop is not None else None)
                steps.append(step_row(step))
            plans.steps[(f, r)] = steps
            crossed = [n for n in path if kind_of(s.nodes[n]).joins_gauges]
            for k, nid in enumerate(crossed):  # the k-th crossing of this flow and route
                plans.slot_lut[f, r, node_code[nid]] = k
            plans.link_directions.update((leg.link_id, leg.direction) for leg in lg
                                         if not leg.sea)
    for (sid, direction), table in dispatch_tables.items():
        services[sid].dispatch[direction] = _dispatcher(store, n_routes, table)
        services[sid].roll_dispatch[direction] = _roll_dispatcher(
            store, n_routes, roll_tables[(sid, direction)])
    return plans


def _onward(journey: Journey, steps: list[Step], pos: int,
            note: Callable[[int], None] | None = None
            ) -> Callable[[np.ndarray, float, int], None]:
    """What a train formed at a crossing or port does on leaving: run on from step
    ``pos`` of ``steps`` (filled in by then), first telling ``note`` its TEU if given."""
    if note is None:
        def depart(idx: np.ndarray, _t: float, teu: int) -> None:
            journey(idx, teu, steps, pos)
        return depart

    def depart_noted(idx: np.ndarray, _t: float, teu: int) -> None:
        note(teu)
        journey(idx, teu, steps, pos)
    return depart_noted


def _dispatcher(store: ContainerStore, n_routes: int, table: dict[int, TrainFormation]
                ) -> Dispatch:
    """rows landed -> [(rows, pool)]: each box's onward pool by its flow and route."""
    st = store

    def dispatch(rows: np.ndarray) -> list[tuple[np.ndarray, TrainFormation]]:
        codes = st.flow[rows].astype(np.int64) * n_routes + st.route[rows]
        first = int(codes[0])
        if (codes == first).all():
            return [(rows, table[first])]
        return [(rows[codes == c], table[int(c)]) for c in np.unique(codes)]
    return dispatch


def _roll_dispatcher(store: ContainerStore, n_routes: int,
                     table: dict[int, tuple[int, Onward | None]]) -> RollDispatch:
    """rows rolled off -> [(rows, onward)]: one group per onward path (the boxes of every
    flow and route bound the same way leave together, in the order they stood), with the
    continuation of its train (None: they sail on)."""
    st = store

    def roll(rows: np.ndarray) -> list[tuple[np.ndarray, Onward | None]]:
        codes = st.flow[rows].astype(np.int64) * n_routes + st.route[rows]
        first = int(codes[0])
        if (codes == first).all():
            return [(rows, table[first][1])]
        groups: dict[int, tuple[list[int], Onward | None]] = {}
        for c in np.unique(codes).tolist():
            key, onward = table[c]
            groups.setdefault(key, ([], onward))[0].append(c)
        return [(rows[np.isin(codes, cs)], onward) for cs, onward in groups.values()]
    return roll
