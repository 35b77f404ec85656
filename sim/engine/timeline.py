"""Dated changes and closures: the scenario's timeline and the random disruptions.

Link path changes and link closures are known in advance and go into the links' booking
at once; changes and closures of crossings, ports and vessel services are applied by one
process when their hour comes. Route share changes are not here: they act through the
route draws (:mod:`sim.engine.routing`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial

import simpy

from sim.engine.facilities.disruptions import closures, merge
from sim.engine.facilities.fleet import SharedFleet
from sim.engine.facilities.port import VesselService
from sim.engine.facilities.rail import RailLine
from sim.engine.facilities.transfer import TransferFacility
from sim.engine.facilities.wagons import WagonPool
from sim.engine.facilities.weather import weather_closures
from sim.engine.output import Calendar
from sim.engine.randomness import stream
from sim.scenario.schema import Scenario

Action = tuple[float, Callable[[], None]]  # (hour, what happens then)


def start_timeline(env: simpy.Environment, scenario: Scenario, calendar: Calendar,
                   seed: int, replication: int, lines: dict[str, RailLine],
                   facilities: dict[str, TransferFacility],
                   services: dict[str, VesselService],
                   fleets: dict[str, SharedFleet] | None = None,
                   wagon_pools: dict[str, WagonPool] | None = None) -> None:
    """Apply the timeline's dated changes and closures, and the random closures (gales,
    storms, breakdowns, and the storms of each sea at the ports exposed to them) drawn
    now from their own streams; ``facilities``: the transfer facilities by node;
    ``fleets``: the fleets shared by several services (a change of their ships);
    ``wagon_pools``: the pools of flat wagons (a change of their wagons)."""
    at_hour: list[Action] = []
    for ch in sorted(scenario.timeline, key=lambda c: c.date):
        t = calendar.hours(ch.date)
        if ch.close is not None:
            end = t + (ch.days or 0.0) * 24.0  # (the schema asks for days with close)
            if ch.close in lines:
                lines[ch.close].close(t, end)
            else:
                begin, finish = facilities[ch.close].closure_actions()
                at_hour += [(t, begin), (end, finish)]
            continue
        for path, value in (ch.set or {}).items():  # shares: in the route draws
            table, _, rest = path.partition(".")
            eid, _, field = rest.partition(".")
            if table == "links":
                lines[eid].change_paths(t, value)
            elif table == "fleets" and fleets is not None:
                at_hour.append((t, partial(fleets[eid].set_ships, int(value))))
            elif table == "wagon_pools" and wagon_pools is not None:
                at_hour.append((t, partial(wagon_pools[eid].set_wagons, int(value))))
            elif table == "services":
                at_hour.append((t, partial(services[eid].set_fleet, int(value))))
            else:
                fac = facilities[eid]
                at_hour.append((t, partial(fac.change, field.split(".", 1)[1], value)))
    n_days = (calendar.end - calendar.t0).days
    disrupted = [(lid, link.disruptions) for lid, link in scenario.links.items()] + [
        (nid, node.disruptions) for nid, node in scenario.nodes.items()]
    by_sea = weather_closures(scenario, seed, replication, calendar.t0, n_days)
    for fid, disruptions in disrupted:
        windows: list[tuple[float, float]] = list(by_sea.get(fid, ()))
        seen: dict[str, int] = {}
        for d in disruptions:
            # keyed by kind and rank among that kind: adding a breakdown does not change
            # the weather
            k = seen[d.kind] = seen.get(d.kind, -1) + 1
            name = "weather" if d.kind in ("gale", "storm") else "breakdowns"
            rng = stream(seed, name, replication, f"{fid}#{d.kind}#{k}")
            windows += closures(d, rng, calendar.t0, n_days)
        for a, b in merge(windows):
            if fid in lines:  # (known ahead only once begun: planned=False)
                lines[fid].close(a, b, planned=False)
            else:
                begin, finish = facilities[fid].closure_actions()
                at_hour += [(a, begin), (b, finish)]
    if at_hour:
        env.process(apply_on_dates(env, sorted(at_hour, key=lambda a: a[0])))


def apply_on_dates(env: simpy.Environment, actions: list[Action]
                   ) -> Generator[simpy.Event, object, None]:
    """Process: apply the dated changes and closures of crossings, ports and vessel
    services at their hours, in order."""
    for t, act in actions:
        if t > env.now:
            yield env.timeout(t - env.now)
        act()
