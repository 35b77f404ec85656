"""One fleet, several lines: the vessels of a scenario fleet (:mod:`sim.scenario.fleets`)
passed from line to line at the base, the far port every line of the fleet ends at.

A line is a :class:`~sim.engine.facilities.port.VesselService` with no vessels of its
own; a vessel of the fleet runs the service's steps (wait at home for a load by the
line's sailing rule, sail out, unload at the base) and, once unloaded at the base, is
released to the fleet, which withdraws it (a timeline cut) or assigns it to a line by the
allocation rule; the vessel then takes that line's return load at the same berth and
sails to that line's home port. Assignments cost no event: one decision per release.

A line's ``fleet`` count and ``active`` log follow the vessels assigned to it (from the
assignment at the base, or the start, to the next release at the base), so its
``vessel_utilisation`` is that of the vessels while they served it.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import simpy

from sim.engine.facilities.formation import TrainFormation
from sim.engine.facilities.port import PortFacility, VesselService
from sim.engine.facilities.sea_traffic import SharedLoad
from sim.scenario.fleets import Fleet, apportion


def oldest_uncovered_h(pool: TrainFormation, now: float, covered: float) -> float:
    """Hour the oldest cargo unit waiting in ``pool`` at ``now`` beyond ``covered`` space
    (units oldest first: modelled boxes by ready hour, background units by the hour
    offered) was ready or offered; inf if ``covered`` takes all that waits. Space is in
    the pool's units (a SharedLoad's capacity units; boxes otherwise). Found to within
    1e-4 h by bisection over the hours (one pass over the pool's batches, then a few
    look-ups a step)."""
    queues = pool.queues if isinstance(pool, SharedLoad) else []
    box = pool.box_space if isinstance(pool, SharedLoad) else 1.0
    times, cum = pool.ready_profile()

    def space(t: float) -> float:
        i = bisect_right(times, t)
        return ((cum[i - 1] if i else 0) * box
                + sum(q.space * max(0, q.arrived(t) - q.taken) for q in queues))

    if space(now) <= covered + 1e-9:
        return math.inf
    lo = min([times[0] if times else math.inf]
             + [q.arrival_h(q.taken + 1) for q in queues])
    if space(lo) > covered + 1e-9:
        return lo
    hi = now
    while hi - lo > 1e-4:  # the earliest hour by which more than covered waits
        mid = 0.5 * (lo + hi)
        if space(mid) > covered + 1e-9:
            hi = mid
        else:
            lo = mid
    return hi


class SharedFleet:
    """The vessels of one fleet over its lines (see the module docstring).

    Parameters
    ----------
    env : the SimPy environment.
    fid : the fleet's id.
    cfg : the fleet's table.
    lines : its lines (services naming it), in the order of the services. Vessel
        numbers are unique across the fleet (vessels pass between the lines' logs).
    """

    def __init__(self, env: simpy.Environment, fid: str, cfg: Fleet,
                 lines: dict[str, VesselService]):
        self.env, self.id, self.cfg = env, fid, cfg
        self.lines = lines
        self.order = list(lines)
        self.base: PortFacility = next(iter(lines.values())).away
        self.ships = cfg.ships       # vessels wanted (the timeline may change it)
        self.in_service = 0          # vessels in the fleet now
        self.coming = dict.fromkeys(lines, 0)  # per line: vessels at or bound for home
        self.weights = [cfg.ships_per_line.get(sid, 0) for sid in self.order]
        self._next_id = 0
        # the decisions, for tests and traces: (hour, from line or "", to line or "")
        self.decisions: list[tuple[float, str, str]] = []
        for sid, n in zip(self.order, apportion(cfg.ships, self.weights)):
            for _ in range(n):
                self._launch(lines[sid])

    # -- vessels in and out ---------------------------------------------------------------
    def _launch(self, line: VesselService | None) -> None:
        """A vessel joins the fleet now: at ``line``'s home port, or at the base (None)."""
        k = self._next_id
        self._next_id += 1
        self.in_service += 1
        if line is not None:
            self._join(line)
        self.env.process(self._ship(k, line))

    def _join(self, line: VesselService) -> None:
        self.coming[line.id] += 1
        line.fleet += 1
        line.log_active()

    def _leave(self, line: VesselService) -> None:
        line.fleet -= 1
        line.log_active()

    def set_ships(self, n: int) -> None:
        """A timeline change of the fleet: more vessels start at the base now; fewer are
        withdrawn as they are next released at the base."""
        self.ships = n
        for _ in range(n - self.in_service):
            self._launch(None)

    def targets(self) -> list[int]:
        """Vessels per line under a fixed allocation, for the fleet's present size."""
        return apportion(self.ships, self.weights)

    # -- the allocation rule --------------------------------------------------------------
    def assign(self, line: VesselService | None) -> VesselService | None:
        """The line a vessel released at the base now serves next (``line``: the one it
        came from, None for a vessel new at the base); None: it is withdrawn."""
        came = "" if line is None else line.id
        assigned = [self.lines[sid].fleet for sid in self.order]
        fixed = self.cfg.allocation == "fixed"
        if self.in_service > self.ships:
            t = self.targets()
            i = self.order.index(came) if came else -1
            if not fixed or i < 0 or assigned[i] >= t[i]:
                self.in_service -= 1
                self.decisions.append((self.env.now, came, ""))
                return None
        if fixed:
            t = self.targets()
            gap = [a - b for a, b in zip(t, assigned)]
            i = self.order.index(came) if came else -1
            j = i if i >= 0 and gap[i] > 0 else max(range(len(gap)), key=lambda x: (gap[x],
                                                                                   -x))
        else:
            j = min(range(len(self.order)), key=self._urgency)
        nxt = self.lines[self.order[j]]
        self._join(nxt)
        self.decisions.append((self.env.now, came, nxt.id))
        return nxt

    def _urgency(self, i: int) -> tuple[float, int, int]:
        """Sort key of line ``i`` under ``oldest_waiting``: the hour of its oldest waiting
        cargo no vessel is coming for, then the vessels coming, then its place."""
        line = self.lines[self.order[i]]
        pool = line.out_pool
        per_vessel = pool.usable if isinstance(pool, SharedLoad) else line.capacity_boxes
        n = self.coming[line.id]
        return oldest_uncovered_h(pool, self.env.now, n * per_vessel), n, i

    # -- a vessel ---------------------------------------------------------------------------
    def _ship(self, k: int, line: VesselService | None):
        """Process: one vessel of the fleet, from line to line."""
        cargo, t_arrive = None, self.env.now
        if line is None:  # new at the base: berth there, then the rule says where to
            first = self.lines[self.order[0]]
            yield from first.berth(self.base)
            line = self.assign(None)
            if line is None:
                self.base.berths.release()
                return
            cargo, t_arrive = yield from line.sail_back(k)
        while True:
            got = yield from line.await_load(k, cargo, t_arrive)
            if got is None:  # (a line of a fleet withdraws nothing itself)
                return
            self.coming[line.id] -= 1
            load = yield from line.sail_out(k, *got)
            yield from line.unload_far(k, load)
            self._leave(line)
            nxt = self.assign(line)
            if nxt is None:
                self.base.berths.release()
                return
            line = nxt
            cargo, t_arrive = yield from line.sail_back(k)


def start_fleets(env: simpy.Environment, fleets: dict[str, Fleet],
                 services: dict[str, VesselService]) -> dict[str, SharedFleet]:
    """The scenario's fleets over their lines (the services whose ``fleet_pool`` names
    them), with their vessels started."""
    out: dict[str, SharedFleet] = {}
    for fid, cfg in fleets.items():
        lines = {sid: svc for sid, svc in services.items() if svc.cfg.fleet_pool == fid}
        out[fid] = SharedFleet(env, fid, cfg, lines)
    return out
