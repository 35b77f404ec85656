"""Rules on routes that open during a run (``routes.X.open_from``: a new crossing or
terminal, not offered before its date).

Under a choice model (``logit``, ``nested_logit``) the route competes by its utility from
its date on; every flow must keep a route open from the run's first day (and, for a flow
the sea competes for, from its base year's first day: the reference share,
:mod:`sim.scenario.mode_split`). Under ``shares`` the shares are typed: a route may carry
a share only from its date (raised by a dated share change), never before.
"""

from __future__ import annotations

import datetime as dt

from sim.scenario.checks.elements import Found
from sim.scenario.mode_split import competing_flows
from sim.scenario.schema import Scenario


def route_openings(s: Scenario) -> Found:
    """Each flow has a route open from its first day; under ``shares`` no route has a
    share in force before it opens."""
    first = s.horizon.start - dt.timedelta(days=s.horizon.warmup_days)
    ends_known = all(f.origin in s.nodes and f.destination in s.nodes
                     for f in s.demand.flows.values())  # (else flow_ends says so)
    competing = set(competing_flows(s)) if ends_known else set()
    for fid, flow in s.demand.flows.items():
        opens = [s.routes[r].open_from if r in s.routes else None for r in flow.routes]
        if all(d is not None for d in opens):
            since = min(first, dt.date(s.demand.base_year, 1, 1)) if fid in competing \
                else first
            earliest = min(d for d in opens if d is not None)
            if earliest > since:
                yield f"demand.flows.{fid}.routes", (
                    f"no route open before {earliest} (its routes' open_from), but the "
                    f"flow's boxes need one from {since} ("
                    + ("the base year's first day, for the reference share" if since < first
                       else "the run's first day, warm-up included")
                    + "): give it a route open from then")
    if s.route_choice.model != "shares":
        return
    for fid, flow in s.demand.flows.items():
        for rid, share in flow.routes.items():
            d = s.routes[rid].open_from if rid in s.routes else None
            if d is not None and share > 0 and d > first:
                yield f"demand.flows.{fid}.routes.{rid}", (
                    f"share {share:g} from the run's first day {first}, before the route "
                    f"opens on {d} (routes.{rid}.open_from): give it 0 and a dated share "
                    "change from its date")
    for i, ch in enumerate(s.timeline):
        for fid, table in (ch.shares or {}).items():
            for rid, share in table.items():
                d = s.routes[rid].open_from if rid in s.routes else None
                if d is not None and share > 0 and ch.date < d:
                    yield f"timeline[{i}].shares.{fid}.{rid}", (
                        f"share {share:g} from {ch.date}, before the route opens on {d} "
                        f"(routes.{rid}.open_from)")
