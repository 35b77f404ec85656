"""Empty containers going back to the origin region (``demand.flows.ID.empties``, see
:mod:`sim.scenario.empties`), drawn up front for the whole run as background load on the
return legs: a few numbers per day and route, never an event per box.

For each flow with empties and each of its routes:

* the expected empties leaving the destination each day (:func:`expected_empties`: the
  flow's demand rates lagged by ``lag_days``, times ``return_share``, less the expected
  boxes a day of the flows in ``net_of``, never below 0) times the route's share in
  force that day;
* the empties of each day, drawn around that (Poisson, from the ``background`` stream
  keyed ``FLOW:empties:ROUTE``, so adding them draws nothing from any other stream; with
  ``demand.arrival_process = "deterministic"`` the whole part of the running total), and
  how many of them are 40 ft (binomial at ``share_40ft``; deterministic: running total);
* empty trains of the flow origin's ``boxes_per_train`` (the loaded trains' length),
  one each time the empties gathered since the last one fill a train, each at an hour
  uniform within its day (the rest waits for the next train: at the end of the run,
  fewer than a train per route);
* on each rail link of the route, travelled backward, these trains as background trains
  in the return direction (:meth:`sim.engine.facilities.rail.RailLine.add_background`,
  with the link's own background trains); on each vessel service, the day's empties as
  a background queue of the service's return direction (TEU on a feeder, railcars on a
  ferry: a flat takes one 40 ft or two 20 ft boxes), sharing its sailings with the boxes
  and other units (:mod:`sim.engine.facilities.sea_traffic`).

Simplification: the empties of a day load every leg of the way back that same day (their
own travel time along the way back is not modelled), and they take no crane, track or
yard at the crossings and ports they pass. Route shares are the flow's and those of
dated share changes, also when a logit chooses the loaded trains' routes.

Empties follow the boxes that came, not those that were expected: when a train of a flow
with empties is refused at its origin (no route accepting trains while one of its trains
is held, :meth:`sim.engine.acceptance.AcceptanceGate.refuse`), the empties its boxes would
have sent back ``lag_days`` later are taken off what was drawn (:meth:`EmptyReturns.refused`):

* ``k`` of its ``n`` boxes would have gone back empty: binomial at ``return_share``
  times the share of that day's gross empties left once netted (``net_of``: the refused
  boxes' empties are taken off ``share x N``, so the net never goes below its floor),
  from its own stream (``FLOW:refused-empties``, so the runs without refusals draw
  nothing more); with ``demand.arrival_process = "deterministic"`` the whole part of the
  running total;
* they are split over the flow's routes by the shares in force on the day they would
  have left the destination (multinomial, the same stream), and each route's share is
  taken off its empties from that day on, the earliest first (the 40 ft among them drawn
  hypergeometrically), with the units they took on each vessel service going back;
* while a route has more empty trains than its empties fill over the run, its first
  empty train from that day on is cancelled: its path on every rail link going back is
  freed (:meth:`sim.engine.facilities.rail.RailLine.cancel_background`); the trains left
  keep their hours.

Only days after the refusal's own are changed (a lag under a day moves them to the next
day), so nothing already offered to a vessel or blocked on a line changes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.facilities.counts import hours_of
from sim.engine.facilities.demand import daily_rates
from sim.engine.randomness import stream
from sim.scenario.empties import EMPTIES
from sim.scenario.network import flow_path, legs, link_index, routes_of
from sim.scenario.vessel_kinds import VESSEL_KINDS

if TYPE_CHECKING:
    from sim.engine.facilities.port import VesselService
    from sim.engine.facilities.rail import RailLine
    from sim.engine.output import Calendar
    from sim.scenario.schema import Scenario


def expected_empties(s: Scenario, fid: str, first_day: dt.date, n_days: int,
                     netted: bool = True) -> np.ndarray:
    """Expected empties of flow ``fid`` leaving its destination on each day from
    ``first_day`` on: ``max(0, share x N(d - lag) - sum_g N_g(d))`` (``netted`` False:
    ``share x N(d - lag)``). A lag of ``k + f`` days (whole ``k``, fraction ``f``) takes
    ``1 - f`` of day ``d - k``'s boxes and ``f`` of day ``d - k - 1``'s (a day's arrivals
    spread evenly over it); the days before ``first_day`` come from the flow's own volume
    for their year."""
    flow = s.demand.flows[fid]
    e = flow.empties
    if e is None:
        return np.zeros(n_days)
    k = int(math.floor(e.lag_days))
    f = e.lag_days - k
    ahead = k + 1
    rates = daily_rates(s.demand, flow, first_day - dt.timedelta(days=ahead), n_days + ahead)
    now = rates[ahead - k: ahead - k + n_days]         # day d - k
    before = rates[ahead - k - 1: ahead - k - 1 + n_days]  # day d - k - 1
    out = e.return_share * ((1.0 - f) * now + f * before)
    if not netted:
        return out
    for gid in e.net_of:
        out = out - daily_rates(s.demand, s.demand.flows[gid], first_day, n_days)
    return np.maximum(out, 0.0)


def shares_by_day(s: Scenario, fid: str, first_day: dt.date, n_days: int
                  ) -> tuple[list[str], np.ndarray]:
    """The routes flow ``fid`` may take (:func:`~sim.scenario.network.routes_of`) and each
    one's share on each day (routes x days): the flow's own, then each dated share change
    from its date."""
    names = routes_of(s, fid)
    out = np.empty((len(names), n_days))
    out[:] = np.array([s.demand.flows[fid].routes.get(r, 0.0) for r in names])[:, None]
    for ch in sorted(s.timeline, key=lambda c: c.date):
        if ch.shares is None or fid not in ch.shares:
            continue
        d = max(0, (ch.date - first_day).days)
        out[:, d:] = np.array([ch.shares[fid].get(r, 0.0) for r in names])[:, None]
    return names, out


def _whole(x: np.ndarray) -> np.ndarray:
    """The whole part of the running total, day by day (int64)."""
    return np.diff(np.floor(np.cumsum(x) + 1e-9), prepend=0.0).astype(np.int64)


@dataclass
class RouteEmpties:
    """The empties of one flow going back over one route, per day of the run."""

    flow: str
    route: str
    corridor: str
    boxes: np.ndarray        # empties leaving the destination each day
    forty: np.ndarray        # of which 40 ft
    train_boxes: int         # boxes per empty train
    trains: np.ndarray       # empty trains formed each day
    train_hours: np.ndarray  # the hour of each empty train (model hours, sorted)
    # the legs going back: (vessel service, direction, whether it rolls wagons) and
    # (rail link, direction)
    sea_legs: list[tuple[str, int, bool]] = field(default_factory=list)
    rail_legs: list[tuple[str, int]] = field(default_factory=list)

    @property
    def teu(self) -> np.ndarray:
        """TEU of the empties leaving each day."""
        return self.boxes + self.forty

    @property
    def railcars(self) -> np.ndarray:
        """Railcars the empties of each day take on a ferry (a 40 ft or two 20 ft a
        flat)."""
        return self.forty + (self.boxes - self.forty + 1) // 2

    def units(self, day: int, rolls_wagons: bool) -> int:
        """What day ``day``'s empties take on a vessel: railcars or TEU."""
        b, f = int(self.boxes[day]), int(self.forty[day])
        return f + (b - f + 1) // 2 if rolls_wagons else b + f

    def waiting_at_end(self) -> int:
        """Empties left waiting for an empty train at the end of the run."""
        return int(self.boxes.sum() - self.train_boxes * self.trains.sum())


class EmptyReturns:
    """Every flow's empties going back, per route, and the load they put on each rail link
    and vessel service (see the module docstring)."""

    def __init__(self, s: Scenario, cal: Calendar, seed: int, replication: int):
        self.n_days = n = (cal.end - cal.t0).days
        self.routes: list[RouteEmpties] = []
        self._s, self._seed, self._rep = s, seed, replication
        # per flow: its routes' empties, the routes' shares by day (routes x days), and
        # the share of a day's gross empties (share x N) left once netted
        self._by_flow: dict[str, tuple[list[RouteEmpties], np.ndarray, np.ndarray]] = {}
        self._rng: dict[str, np.random.Generator] = {}  # per flow: for refused boxes
        self._carry: dict[str, float] = {}  # per flow: the running total's fraction
        # per refusal: (flow, hour, boxes refused, empties taken off, empty trains
        # cancelled)
        self.thinned: list[tuple[str, float, int, int, int]] = []
        self._lines: dict[str, RailLine] = {}
        self._services: dict[str, VesselService] = {}
        # per rail link: the empty trains' hours per direction (0: from -> to)
        self.rail: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        # per vessel service: the empties' units offered per direction and day
        self.sea: dict[str, list[np.ndarray]] = {}
        deterministic = s.demand.arrival_process == "deterministic"
        links = link_index(s)
        for fid, flow in s.demand.flows.items():
            if flow.empties is None:
                continue
            total = expected_empties(s, fid, cal.t0, n)
            names, shares = shares_by_day(s, fid, cal.t0, n)
            per_train = s.nodes[flow.origin].boxes_per_train or 1
            mine: list[RouteEmpties] = []
            for rid, share in zip(names, shares):
                if not share.any():
                    continue
                rng = stream(seed, "background", replication, f"{fid}:empties:{rid}")
                mean = total * share
                if deterministic:
                    boxes = _whole(mean)
                    forty = _whole(boxes * s.demand.share_40ft)
                else:
                    boxes = rng.poisson(mean).astype(np.int64)
                    forty = rng.binomial(boxes, s.demand.share_40ft).astype(np.int64)
                full = np.floor_divide(np.cumsum(boxes), per_train)
                trains = np.diff(full, prepend=0).astype(np.int64)
                r = RouteEmpties(fid, rid, s.routes[rid].corridor, boxes, forty, per_train,
                                 trains, hours_of(trains, rng))
                self.routes.append(r)
                mine.append(r)
                path = flow_path(s, flow.origin, flow.destination, rid, links)
                for leg in legs(s, path, links):
                    back = 1 - leg.direction
                    if leg.sea:
                        self._offer(s, leg.link_id, back, r)
                        r.sea_legs.append((leg.link_id, back, VESSEL_KINDS[
                            s.services[leg.link_id].kind].rolls_wagons))
                    else:
                        self.rail.setdefault(leg.link_id, ([], []))[back].append(
                            r.train_hours)
                        r.rail_legs.append((leg.link_id, back))
            if mine:
                gross = expected_empties(s, fid, cal.t0, n, netted=False)
                left = np.divide(total, gross, out=np.zeros(n), where=gross > 0)
                self._by_flow[fid] = (mine, shares[[names.index(r.route) for r in mine]],
                                      left)

    def _offer(self, s: Scenario, sid: str, direction: int, r: RouteEmpties) -> None:
        """Add one route's empties to what a vessel service is offered one way."""
        units = r.railcars if VESSEL_KINDS[s.services[sid].kind].rolls_wagons else r.teu
        ways = self.sea.setdefault(sid, [np.zeros(self.n_days, np.int64),
                                         np.zeros(self.n_days, np.int64)])
        ways[direction] = ways[direction] + units

    def attach(self, lines: dict[str, RailLine], services: dict[str, VesselService]) -> None:
        """The built lines and vessel services the empties load (for :meth:`refused`)."""
        self._lines, self._services = lines, services

    def refused(self, fid: str, t: float, n: int) -> None:
        """A train of ``n`` boxes of flow ``fid`` was refused at its origin at hour ``t``
        (now): the empties its boxes would have sent back are taken off (see the module
        docstring)."""
        if fid not in self._by_flow:
            return
        e = self._s.demand.flows[fid].empties
        assert e is not None  # (a flow in _by_flow has empties)
        rng = self._rng.get(fid)
        if rng is None:
            rng = self._rng[fid] = stream(self._seed, "background", self._rep,
                                          f"{fid}:refused-empties")
        today = int(t // 24.0)
        day = max(int(math.floor(t / 24.0 + e.lag_days)), today + 1)
        if day >= self.n_days:
            self.thinned.append((fid, t, n, 0, 0))
            return
        routes, shares, left = self._by_flow[fid]
        p = e.return_share * float(left[day])  # (net of the boxes coming back loaded)
        if self._s.demand.arrival_process == "deterministic":
            total = self._carry.get(fid, 0.0) + n * p
            k = int(math.floor(total + 1e-9))
            self._carry[fid] = total - k
        else:
            k = int(rng.binomial(n, p))
        w = shares[:, day]
        if k == 0 or not w.sum() > 0:
            self.thinned.append((fid, t, n, 0, 0))
            return
        split = rng.multinomial(k, w / w.sum()) if len(routes) > 1 else [k]
        taken = cancelled = 0
        for r, m in zip(routes, split):
            if m:
                got = self._take_off(r, day, int(m), rng)
                taken += got
                cancelled += self._cancel_trains(r, day)
        self.thinned.append((fid, t, n, taken, cancelled))

    def _take_off(self, r: RouteEmpties, day: int, m: int, rng: np.random.Generator) -> int:
        """Take ``m`` empties off route ``r``'s from ``day`` on, the earliest first, and
        the units they took off its vessel services going back; returns how many there
        were to take."""
        queues = []  # each vessel service's queue of empties going back, and its unit
        for sid, d, rolls in r.sea_legs:
            svc = self._services[sid]
            queues.append((svc.queues[d][svc.bg_units.index(EMPTIES)], rolls))
        taken = 0
        for j in range(day, self.n_days):
            have = int(r.boxes[j])
            if not have:
                continue
            x = min(m - taken, have)
            forty = int(r.forty[j])
            x40 = forty if x == have else int(rng.hypergeometric(forty, have - forty, x))
            before = [r.units(j, rolls) for _q, rolls in queues]
            r.boxes[j] -= x
            r.forty[j] -= x40
            for (queue, rolls), was in zip(queues, before):
                queue.take_off(j, was - r.units(j, rolls))
            taken += x
            if taken == m:
                break
        return taken

    def _cancel_trains(self, r: RouteEmpties, day: int) -> int:
        """Cancel route ``r``'s first empty trains from ``day`` on while it has more than
        its empties fill over the run (``floor(boxes / train_boxes)``); returns how many.
        The trains left keep their hours: the empties' trains run a little early rather
        than being put off (a train is not added to a line once its paths are set)."""
        n = 0
        excess = int(r.trains.sum()) - int(r.boxes.sum()) // r.train_boxes
        i = int(np.searchsorted(r.train_hours, 24.0 * day, side="left"))
        lines = [(self._lines[lid], d) for lid, d in r.rail_legs]
        while excess > 0 and i < len(r.train_hours):
            hour = float(r.train_hours[i])
            if not all(line.can_cancel(d, hour) for line, d in lines):
                i += 1  # (its path already blocked somewhere: it runs)
                continue
            for line, d in lines:
                line.cancel_background(d, hour)
            r.train_hours = np.delete(r.train_hours, i)
            r.trains[min(int(hour // 24.0), self.n_days - 1)] -= 1
            excess -= 1
            n += 1
        return n

    def train_hours(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per rail link, the empty trains' hours per direction (sorted), as drawn (read
        when the lines are built, before any is cancelled)."""
        return {lid: tuple(np.sort(np.concatenate(h)) if h else np.empty(0)  # type: ignore[misc]
                           for h in ways)
                for lid, ways in self.rail.items()}

    def service_counts(self, sid: str, n_days: int) -> dict[str, np.ndarray]:
        """The empties offered to vessel service ``sid`` per day, as background counts
        (``empties_out``: at home, ``empties_back``: at the far port), ``n_days`` long."""
        ways = self.sea.get(sid)
        if ways is None:
            return {}
        out = {}
        for way, counts in zip(("out", "back"), ways):
            if counts.any():
                c = np.zeros(n_days, np.int64)
                m = min(n_days, len(counts))
                c[:m] = counts[:m]
                out[f"{EMPTIES}_{way}"] = c
        return out
