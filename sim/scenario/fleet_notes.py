"""Warnings on dated fleet changes that cannot change what a service does: a vessel
service that sails by a timetable sails at its departures, so ships beyond those that keep
the timetable add no sailings (the timetable itself cannot change during a run)."""

from __future__ import annotations

import math

from sim.scenario.checks.capacity import vessel_cycle_h
from sim.scenario.schema import Scenario, Service


def round_trip_h(svc: Service) -> float:
    """A vessel's mean round trip on a timetable: two passages, two port calls, a full
    load handled once at each end (:func:`sim.scenario.checks.capacity.vessel_cycle_h`
    with two handlings)."""
    return vessel_cycle_h(svc, svc.capacity_units() * svc.load_factor, handlings=2)


def timetable_fleet_notes(s: Scenario) -> list[tuple[str, str]]:
    """One warning per timeline change that gives a timetable service more ships than it
    needs to keep its timetable (the ships a round trip at its departures a day takes)."""
    notes = []
    for i, ch in enumerate(s.timeline):
        for path, value in (ch.set or {}).items():
            table, _, rest = path.partition(".")
            sid, _, field = rest.partition(".")
            svc = s.services.get(sid) if table == "services" else None
            if svc is None or field != "fleet" or svc.sailing.rule != "timetable":
                continue
            per_day = svc.sailing.departures_per_day or 0.0
            trip = round_trip_h(svc)
            need = max(1, math.ceil(trip * per_day / 24.0 - 1e-9))
            if int(value) > need:
                notes.append((f"timeline[{i}].set.{path}", (
                    f"'{sid}' sails by its timetable ({per_day:g} departures a day) and a "
                    f"round trip takes ~{trip:.0f} h, so {need} ship{'s' if need > 1 else ''}"
                    f" keep{'' if need > 1 else 's'} it: {int(value)} add no sailings (set "
                    f"services.{sid}.sailing.departures_per_day in the service itself to "
                    "sail more)")))
    return notes
