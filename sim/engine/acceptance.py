"""Acceptance limits at the origins (:mod:`sim.scenario.acceptance`): which routes refuse
trains now, where a refused train goes, and the logs the measures read.

A flow's route is open while every facility on its path with a limit has no more than its
limit booked through it: TEU accepted at the origins for routes through it and not yet
gone on from it, on the way there or held there (``TransferFacility.committed_teu``; the
limit caps what is sent, so what is there never passes it by more than a train); and
while on every line of its path with a limit (``acceptance_limit_queue_h``) a train
reaching the line now would wait no longer than the limit for a path in the direction
the flow travels it (``RailLine.queue_h``: the queue the trains already there make; the
trains on their way to it are not counted, as a dispatcher sees the line's queue, not
the bookings behind it).

A train about to leave on a closed route is diverted to one of its flow's open routes,
drawn by the flow's own choice weights over the open ones (the logit's probabilities, or
the shares in force); with no open route it waits at its origin and tries again every
:data:`RETRY_H` hours (the trains behind it wait too).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.engine.facilities.rail import RailLine
from sim.engine.facilities.transfer import TransferFacility
from sim.scenario.network import flow_path, legs, link_index, routes_of
from sim.scenario.schema import Scenario

RETRY_H = 6.0  # a held train asks again this often (assumption: four times a day, the
# rhythm of a dispatcher's shift plan)


class AcceptanceGate:
    """The acceptance limits of a run's facilities, by route code."""

    def __init__(self, scenario: Scenario, route_ids: list[str], flow_ids: list[str],
                 facilities: dict[str, TransferFacility], lines: dict[str, RailLine],
                 rng: np.random.Generator, clock: Callable[[], float]):
        self.rng = rng
        self.clock = clock  # the simulated hour
        # the facilities with a limit at the start or from a dated change (the limit in
        # force: TransferFacility.acceptance_limit), by route
        dated = {key.split(".")[1] for change in scenario.timeline for key in change.set or {}
                 if key.endswith(".acceptance_limit_teu")}
        self.limits: dict[int, list[TransferFacility]] = {}
        for r, rid in enumerate(route_ids):
            here = [fac for nid in scenario.routes[rid].path
                    if (fac := facilities.get(nid)) is not None
                    and (fac.acceptance_limit < math.inf or nid in dated)]
            if here:
                self.limits[r] = here
        # per (flow, route): the lines of its path with a limit, the direction it travels
        # them in, and the limit (hours of queue)
        self.line_limits: dict[tuple[int, int], list[tuple[RailLine, int, float]]] = {}
        if any(link.acceptance_limit_queue_h is not None
               for link in scenario.links.values()):
            index = link_index(scenario)
            for f, fid in enumerate(flow_ids):
                flow = scenario.demand.flows[fid]
                for rid in routes_of(scenario, fid):  # dated share changes' routes too
                    path = flow_path(scenario, flow.origin, flow.destination, rid, index)
                    on = []
                    for leg in legs(scenario, path, index):
                        link = None if leg.sea else scenario.links[leg.link_id]
                        if link is not None and link.acceptance_limit_queue_h is not None:
                            on.append((lines[leg.link_id], leg.direction,
                                       link.acceptance_limit_queue_h))
                    if on:
                        self.line_limits[(f, route_ids.index(rid))] = on
        # (flow, from route, to route, hour, boxes): a train diverted at its origin
        self.diverted: list[tuple[int, int, int, float, int]] = []
        # (flow, route, planned hour, left, boxes): a train held at its origin (or behind
        # one held); route -1 and left = the end: still held when the run ended
        self.held: list[tuple[int, int, float, float, int]] = []
        # per origin chain: its trains planned before an hour and not yet gone
        self.unfinished: list[Callable[[float], list[tuple[int, int, float, float, int]]]] = []

    def __bool__(self) -> bool:
        return bool(self.limits) or bool(self.line_limits)

    def is_open(self, f: int, r: int) -> bool:
        """Whether route ``r`` takes a train of flow ``f`` now."""
        if not all(fac.committed_teu() <= fac.acceptance_limit
                   for fac in self.limits.get(r, ())):
            return False
        on = self.line_limits.get((f, r))
        if on is None:
            return True
        now = self.clock()
        return all(line.queue_h(d, now) <= limit for line, d, limit in on)

    def accept(self, r: int, teu: int) -> None:
        """A train of ``teu`` left its origin on route ``r``: book it through the route's
        limited facilities."""
        for fac in self.limits.get(r, ()):
            fac.accepted_teu += teu

    def open_mask(self, f: int, routes: list[int]) -> np.ndarray:
        return np.array([self.is_open(f, r) for r in routes], bool)

    def censor(self, end_h: float) -> None:
        """Log the trains still held at the origins at ``end_h`` (left = the end)."""
        for unfinished in self.unfinished:
            self.held.extend(unfinished(end_h))

    def divert(self, f: int, r: int, routes: list[int], weights: np.ndarray, now: float,
               boxes: int) -> int | None:
        """The route a train of flow ``f`` refused on ``r`` takes instead: one of the open
        ``routes`` by ``weights`` (its flow's, over ``routes``) renormalised over them,
        logged; None if none is open (or none has weight)."""
        w = np.where(self.open_mask(f, routes), np.asarray(weights, float), 0.0)
        total = w.sum()
        if not total > 0:
            return None
        cum = np.cumsum(w / total)
        cum[-1] = 1.0
        to = routes[int(np.searchsorted(cum, self.rng.random(), side="right"))]
        self.diverted.append((f, r, to, now, boxes))
        return to
