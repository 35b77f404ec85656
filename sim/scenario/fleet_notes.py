"""Warnings on dated changes that cannot do what they say: ships added to a vessel service
that sails by a timetable (it sails at its departures, so ships beyond those that keep the
timetable add no sailings; the timetable itself cannot change during a run), and a
closure that lasts past the end of the run."""

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


def closure_past_end_notes(s: Scenario) -> list[tuple[str, str]]:
    """One warning per dated closure that lasts past the end of the run (a length in hours
    written as days reads this way): the days after the end are not simulated."""
    notes = []
    for i, ch in enumerate(s.timeline):
        if ch.close is None or ch.days is None:
            continue
        past = (ch.date - s.horizon.end).days + ch.days
        if past > 0:
            notes.append((f"timeline[{i}].days", (
                f"closing '{ch.close}' for {ch.days:g} days from {ch.date} runs {past:g} "
                f"days past the end of the run ({s.horizon.end}); the length is in days, "
                "not hours")))
    return notes
