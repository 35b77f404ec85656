"""Rules on fleets shared by several vessel services (:mod:`sim.scenario.fleets`): a line
names a fleet that exists, every fleet serves some line, the lines of one fleet meet at
one far port (the base) and have alike vessels, the shares name the fleet's lines (all of
them, under a fixed allocation), and a timeline changes a shared fleet's ships, not a
line's own count."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Scenario, Service
from sim.scenario.vessel_kinds import VESSEL_KINDS


def _vessel(v: Service) -> str:
    cap = f"{v.capacity_units():,.0f} {VESSEL_KINDS[v.kind].unit}"
    return f"{v.kind} of {cap} at load_factor {v.load_factor:g}"


def fleets(s: Scenario) -> Found:
    """The fleets and the lines that share them are consistent (see the module
    docstring)."""
    lines: dict[str, list[str]] = {f: [] for f in s.fleets}
    for sid, svc in s.services.items():
        if svc.fleet_pool is None:
            continue
        if svc.fleet_pool not in s.fleets:
            yield f"services.{sid}.fleet_pool", (
                f"unknown fleet '{svc.fleet_pool}' ({did_you_mean(svc.fleet_pool, s.fleets)})")
            continue
        lines[svc.fleet_pool].append(sid)
    for fid, fleet in s.fleets.items():
        p = f"fleets.{fid}"
        mine = lines[fid]
        if not mine:
            yield p, f"no service names it (give a service fleet_pool = \"{fid}\")"
            continue
        first = s.services[mine[0]]
        for sid in mine[1:]:
            v = s.services[sid]
            if v.to != first.to:
                yield f"services.{sid}.to", (
                    f"the lines of fleet '{fid}' end at one far port, its base ('{first.to}' "
                    f"as on '{mine[0]}'), where vessels pass from line to line; this one "
                    f"ends at '{v.to}'")
            if _vessel(v) != _vessel(first):
                yield f"services.{sid}.fleet_pool", (
                    f"the vessels of fleet '{fid}' are alike: this line's ({_vessel(v)}) "
                    f"differ from those of '{mine[0]}' ({_vessel(first)})")
        shares = fleet.ships_per_line
        strays = [sid for sid in shares if sid not in mine]
        for sid in strays:
            other = s.services.get(sid)
            if other is not None and other.fleet_pool not in (None, *s.fleets):
                continue  # its unknown fleet is reported
            if sid not in mine:
                yield f"{p}.ships_per_line.{sid}", (
                    f"'{sid}' is not a line of fleet '{fid}' (its lines: {', '.join(mine)})")
        missing = [sid for sid in mine if sid not in shares]
        if fleet.allocation == "fixed" and missing:
            yield f"{p}.ships_per_line", (f"a fixed allocation gives every line its ships "
                                          f"(missing: {', '.join(missing)})")
        elif fleet.allocation == "fixed" and not any(shares.values()) and fleet.ships:
            yield f"{p}.ships_per_line", ("a fixed allocation needs some line with ships "
                                          "(every share is 0)")
    for i, ch in enumerate(s.timeline):
        for path in ch.set or {}:
            table, _, rest = path.partition(".")
            sid, _, field = rest.partition(".")
            line = s.services.get(sid) if table == "services" else None
            if line is not None and field == "fleet" and line.fleet_pool is not None:
                yield f"timeline[{i}].set.{path}", (
                    f"the line's vessels come from fleet '{line.fleet_pool}' (set "
                    f"'fleets.{line.fleet_pool}.ships')")
