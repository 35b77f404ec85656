"""Acceptance limits at the origins (:mod:`sim.scenario.acceptance`): which routes refuse
trains now, where a refused train goes, and the logs the measures read.

A flow's route is open while every facility on its path with a limit has no more than its
limit booked through it: TEU accepted at the origins for routes through it and not yet
gone on from it, on the way there or held there (``TransferFacility.committed_teu``; the
limit caps what is sent, so what is there never passes it by more than a train); and
while on every line of its path with a limit (``acceptance_limit_queue_h``) the wait a
train accepted now is projected to meet when it reaches the line, in the direction the
flow travels it, is no longer than the limit (:class:`LineMeter`: the queue booked there,
and the trains accepted for the line and not yet booked on it, as the facilities' limits
count what is on the way).

A train about to leave on a closed route is diverted to one of its flow's open routes,
drawn by the flow's own choice weights over the open ones (the logit's probabilities, or
the shares in force); with no open route it waits at its origin and tries again every
:data:`RETRY_H` hours (the trains booked behind it wait too). While it waits and no route
of the flow accepts trains, the operator takes no new bookings for the flow, as KTZ took
no new cargo in its 2024 stops (corridor-facts §3.3): a flow the sea competes for sends
its new boxes to sea (sim.engine.market); any other flow has the trains due then refused
at the origin, their boxes lost to the corridor (``AcceptanceGate.refused``; assumption:
for good, none rebooked later — the source says only that new cargo was not taken).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable

import numpy as np

from sim.engine.facilities.line_plan import LinePlan
from sim.engine.facilities.rail import RailLine
from sim.engine.facilities.transfer import TransferFacility
from sim.scenario.network import ends_at_stop, flow_path, legs, link_index, routes_of
from sim.scenario.schema import Scenario

RETRY_H = 6.0  # a held train asks again this often (assumption: four times a day, the
# rhythm of a dispatcher's shift plan)
# the time from the origins to a line, smoothed over its bookings, follows a shorter time
# at once, a longer one slowly: trains on their way that come sooner than usual (a crossing
# catching up) meet the queue the earlier trains left; the cautious side is the short time
# (assumption: a fifth of the gap per booking down, a hundredth up: a few trains down, a
# hundred, a week or two of a busy line, up; measured on caspian_committed_2030 against an
# even weight of a twentieth, which let a fifth of the trains on Altynkol-Almaty wait
# beyond its limit in 2030)
TRANSIT_DOWN, TRANSIT_UP = 0.2, 0.01


class LineMeter:
    """A line with an acceptance limit, one direction: the trains accepted at the origins
    for it and not yet booked on it, and the wait a train accepted now would meet there.

    The meter counts TEU: accepted (:meth:`accepted`, when a train leaves its origin on a
    route through the line) and booked (:meth:`booked`, when a train leaves the last stop
    before the line, a crossing or port, and books its path; a train from an origin with no
    stop before the line books it as it leaves). Trains are re-formed at the crossings, so
    TEU, not trains, are what goes in and comes out; the line's trains are counted in
    paths at the TEU its trains have carried so far.

    The projected wait of a train accepted at hour ``now`` (:meth:`wait_h`) is the larger
    of two fluid estimates, counting the line's paths as its timetable leaves them to the
    modelled trains as a dispatcher knows them at ``now``
    (:class:`~sim.engine.facilities.line_plan.LinePlan`: the timetable, the dated closures
    and those under way, the background trains expected) and ``T``, the time the new
    train needs to reach the line: the times from acceptance to booking, matched in TEU
    order (first in first out), smoothed over the bookings on the short side
    (:data:`TRANSIT_DOWN`, :data:`TRANSIT_UP`); before the first booking, the age of the
    oldest TEU on its way:

    * the line's backlog: the queue booked on the line now ends at ``now + Q``
      (:meth:`RailLine.queue_h`: the line as it stands, so the background paths drawn
      and the closures within the queue's span count, a storm not yet begun included);
      the ``P`` TEU on their way to it (``P / k`` trains,
      ``k``: TEU per train on the line so far) take the next free paths from there, and
      the new train the one after, so it waits ``after(now + Q, P / k) - (now + T)``
      (with a constant ``h`` hours per free path: ``Q + P * h / k - T``). Trains on their
      way at the line's own pace add no more than the line serves while they travel: a
      long pipeline alone does not close the route;
    * the acceptances' backlog ``V`` (trains): the queue the trains accepted would make if
      each reached the line the same ``T`` after leaving: a virtual line at the origins,
      each acceptance adding ``teu / k``, served by the free paths ``T`` later; the new
      train waits ``after(now + T, V) - (now + T)``. A burst of trains let go together
      (after a hold) arrives together: this caps the burst at the limit.

    The new train's own turn, the later of these hours and ``now + T``, waits out the
    closure known at ``now`` it falls in, if any.

    Both are lower bounds of the fluid queue the new train would meet, so the wait can
    still pass the limit by what the estimates miss (trains reaching the line closer
    together than they left, the spread of the times on the way between origins).
    Each call costs two searches over the free paths (a few dozen counts of them), no
    loop over the trains on their way.
    """

    __slots__ = ("line", "plan", "direction", "limit", "accepted_teu", "booked_teu",
                 "accepted_trains", "booked_trains", "transit_h", "_v", "_v_at", "_acc_h",
                 "_acc_cum", "_memo")

    def __init__(self, line: RailLine, direction: int, limit: float):
        self.line, self.direction, self.limit = line, direction, limit
        self.plan: LinePlan | None = None  # made at the first projection: by then the
        # background and the closures are all loaded
        self.accepted_teu = self.booked_teu = 0.0
        self.accepted_trains = self.booked_trains = 0
        self.transit_h: float | None = None  # smoothed time from acceptance to booking
        self._v, self._v_at = 0.0, 0.0  # the acceptances' backlog (trains) as of an hour
        # per acceptance: its hour, and the TEU accepted up to and including it
        self._acc_h: list[float] = []
        self._acc_cum: list[float] = []
        # the last projection: (hour, TEU accepted, TEU booked, the line's bookings and
        # changes), wait; the routes through the line ask again at the same hour with
        # nothing changed
        self._memo: tuple[tuple[float, float, float, int, int], float] | None = None

    def teu_per_train(self) -> float:
        """TEU per train on the line: of those booked so far (before any, of the trains
        accepted: smaller trains, more paths, the cautious side)."""
        if self.booked_trains:
            return self.booked_teu / self.booked_trains
        if self.accepted_trains:
            return self.accepted_teu / self.accepted_trains
        return math.inf  # nothing accepted: no train on its way

    def accepted(self, teu: float, now: float) -> None:
        """A train of ``teu`` left its origin for the line at hour ``now``."""
        backlog = self._backlog(now)
        self.accepted_teu += teu
        self.accepted_trains += 1
        self._v = backlog + teu / self.teu_per_train()
        self._v_at = now
        self._acc_h.append(now)
        self._acc_cum.append(self.accepted_teu)

    def _backlog(self, now: float) -> float:
        """The acceptances' backlog at hour ``now``, in trains (``V``)."""
        if self._v <= 0.0:
            return 0.0
        t = self.transit_h or 0.0
        # (at the mean: the margin is one span's, and this is summed over many)
        served = self._plan().free_paths(self.direction, self._v_at + t, now + t, now,
                                         cautious=False)
        return max(0.0, self._v - served)

    def booked(self, teu: float, now: float) -> None:
        """A train of ``teu`` booked its path on the line at hour ``now``: the TEU it
        completes, first in first out, were accepted at some hour; the time since is a
        sample of the time to the line."""
        i = self._head()
        self.booked_teu += teu
        self.booked_trains += 1
        j = bisect_right(self._acc_cum, self.booked_teu - 1e-6, i)
        if j < len(self._acc_h):
            sample = now - self._acc_h[j]
            t = self.transit_h
            if t is None:
                self.transit_h = sample
            else:
                self.transit_h = t + (TRANSIT_DOWN if sample < t else TRANSIT_UP) * (sample - t)
        if j > 4096:  # acceptances wholly booked are not read again
            del self._acc_h[:j], self._acc_cum[:j]

    def _head(self) -> int:
        """The acceptance holding the oldest TEU not yet booked."""
        return bisect_right(self._acc_cum, self.booked_teu + 1e-6)

    def _plan(self) -> LinePlan:
        if self.plan is None:
            self.plan = LinePlan(self.line)
        return self.plan

    def wait_h(self, now: float) -> float:
        """The wait a train accepted at hour ``now`` is projected to meet at the line (a
        function of the hour, the TEU accepted and booked, and the line's bookings and
        set-up: the same projection when none of them has changed)."""
        line = self.line
        key = (now, self.accepted_teu, self.booked_teu, len(line.log), line.changes)
        memo = self._memo
        if memo is not None and memo[0] == key:
            return memo[1]
        wait = self._wait_h(now)
        self._memo = (key, wait)
        return wait

    def _wait_h(self, now: float) -> float:
        line, d, plan = self.line, self.direction, self._plan()
        queue = line.queue_h(d, now)
        on_way = (self.accepted_teu - self.booked_teu) / self.teu_per_train()
        t = self.transit_h
        if t is None:  # nothing booked yet: the time the oldest TEU on its way has taken
            i = self._head()
            t = now - self._acc_h[i] if i < len(self._acc_h) else 0.0
        ahead = (plan.after_free_paths(d, now + queue, on_way, now) if on_way > 1e-6
                 else now + queue)
        backlog = self._backlog(now)
        if backlog > 0.0:
            ahead = max(ahead, plan.after_free_paths(d, now + t, backlog, now))
        # and the line closed when the new train's turn comes (a closure known now)
        arrive = now + t
        return plan.open_from(max(ahead, arrive), now) - arrive


class AcceptanceGate:
    """The acceptance limits of a run's facilities, by route code."""

    def __init__(self, scenario: Scenario, route_ids: list[str], flow_ids: list[str],
                 facilities: dict[str, TransferFacility], lines: dict[str, RailLine],
                 rng: np.random.Generator, clock: Callable[[], float],
                 opens: list[float] | None = None):
        self.rng = rng
        self.clock = clock  # the simulated hour
        # the hour each route opens (routes.X.open_from; None: all open from the start):
        # a route not open yet takes no train, so it does not count as accepting them
        self.opens = opens
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
        # per limited line and direction travelled: its meter; per (flow, route): the
        # meters of the lines of its path with a limit, each with whether the route books
        # it from the origin (no stop before it: accepted and booked at once)
        self.meters: dict[tuple[str, int], LineMeter] = {}
        self.line_limits: dict[tuple[int, int], list[tuple[LineMeter, bool]]] = {}
        if any(link.acceptance_limit_queue_h is not None
               for link in scenario.links.values()):
            index = link_index(scenario)
            for f, fid in enumerate(flow_ids):
                flow = scenario.demand.flows[fid]
                for rid in routes_of(scenario, fid):  # dated share changes' routes too
                    path = flow_path(scenario, flow.origin, flow.destination, rid, index)
                    on, direct = [], True
                    for leg in legs(scenario, path, index):
                        link = None if leg.sea else scenario.links[leg.link_id]
                        if link is not None and link.acceptance_limit_queue_h is not None:
                            key = (leg.link_id, leg.direction)
                            meter = self.meters.get(key)
                            if meter is None:
                                meter = self.meters[key] = LineMeter(
                                    lines[leg.link_id], leg.direction,
                                    link.acceptance_limit_queue_h)
                            on.append((meter, direct))
                        if ends_at_stop(scenario, leg):
                            direct = False  # trains leave it booking anew
                    if on:
                        self.line_limits[(f, route_ids.index(rid))] = on
        # (flow, from route, to route, hour, boxes): a train diverted at its origin
        self.diverted: list[tuple[int, int, int, float, int]] = []
        # (flow, route, planned hour, left, boxes): a train held at its origin (or behind
        # one held); route -1 and left = the end: still held when the run ended
        self.held: list[tuple[int, int, float, float, int]] = []
        # (flow, planned hour, boxes) and its rows: a train of a flow the sea does not
        # compete for, due while a train of its flow was held and no route accepted
        # trains: refused at its origin
        self.refused: list[tuple[int, float, int]] = []
        self.refused_rows: list[np.ndarray] = []
        # per origin chain: its trains planned before an hour and not yet gone
        self.unfinished: list[Callable[[float], list[tuple[int, int, float, float, int]]]] = []

    def __bool__(self) -> bool:
        return bool(self.limits) or bool(self.line_limits)

    def is_open(self, f: int, r: int) -> bool:
        """Whether route ``r`` takes a train of flow ``f`` now (a route not open yet,
        ``routes.X.open_from``, takes none)."""
        if self.opens is not None and self.opens[r] > self.clock():
            return False
        if not all(fac.committed_teu() <= fac.acceptance_limit
                   for fac in self.limits.get(r, ())):
            return False
        on = self.line_limits.get((f, r))
        if on is None:
            return True
        now = self.clock()
        return all(meter.wait_h(now) <= meter.limit for meter, _direct in on)

    def accept(self, f: int, r: int, teu: int) -> None:
        """A train of ``teu`` of flow ``f`` left its origin on route ``r``: book it through
        the route's limited facilities and lines."""
        for fac in self.limits.get(r, ()):
            fac.accepted_teu += teu
        on = self.line_limits.get((f, r))
        if on is not None:
            now = self.clock()
            for meter, direct in on:
                meter.accepted(teu, now)
                if direct:
                    meter.booked(teu, now)

    def on_booking(self, link_directions: list[tuple[str, int]]
                   ) -> Callable[[int], None] | None:
        """What a train leaving a stop onto these (link, direction)s, up to its next stop,
        tells the meters of the limited ones (its TEU, when it leaves); None if none is
        limited."""
        meters = [m for key in link_directions if (m := self.meters.get(key)) is not None]
        if not meters:
            return None
        clock = self.clock

        def booked(teu: int) -> None:
            now = clock()
            for meter in meters:
                meter.booked(teu, now)
        return booked

    def open_mask(self, f: int, routes: list[int]) -> np.ndarray:
        return np.array([self.is_open(f, r) for r in routes], bool)

    def refuse(self, f: int, t: float, rows: np.ndarray) -> None:
        """A train of flow ``f`` due at hour ``t`` (now), while a train of the flow is held
        and no route of the flow accepts trains: refused, its boxes never enter the
        corridor."""
        self.refused.append((f, t, len(rows)))
        self.refused_rows.append(rows)

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
