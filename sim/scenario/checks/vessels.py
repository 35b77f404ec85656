"""Rules on what a vessel service carries besides the modelled boxes: roll-off of
container wagons (ferries only, on one gauge) and background traffic in the units its kind
of vessel takes, each with its tonnes per unit; a tanker line carries background tonnes
and nothing else."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.schema import Scenario
from sim.scenario.sea_traffic import UNIT_OF_FIELD, UNITS_BY_KIND
from sim.scenario.vessel_kinds import VESSEL_KINDS


def service_traffic(s: Scenario) -> Found:
    """A feeder rolls nothing off; a ferry rolls wagons off onto the gauge they rolled on
    at; background counts are in a unit the vessel takes, each weighed, and one truck fits
    on a vessel."""
    for sid, svc in s.services.items():
        p, k = f"services.{sid}", VESSEL_KINDS[svc.kind]
        if svc.roll_off_dwell_h is not None:
            a, b = s.nodes.get(svc.from_), s.nodes.get(svc.to)
            if not k.rolls_wagons:
                does = ("lifts boxes into the far port's yard" if k.carries_boxes
                        else "carries no wagons")
                yield f"{p}.roll_off_dwell_h", (f"a {svc.kind} {does}; only a ferry rolls "
                                                "wagons off")
            elif (a is not None and b is not None and a.gauge_mm and b.gauge_mm
                  and a.gauge_mm != b.gauge_mm):
                yield f"{p}.roll_off_dwell_h", (
                    f"wagons rolled on at '{svc.from_}' ({a.gauge_mm} mm) cannot roll off "
                    f"onto '{svc.to}' ({b.gauge_mm} mm); wagons keep their gauge")
        bg = svc.background
        # a vessel that takes no box sails from home only with a load of its background
        u = k.background_units[0]
        out = None if bg is None else getattr(bg, f"{u}_out")
        if not k.carries_boxes and out is None:
            yield f"{p}.background" + ("" if bg is None else f".{u}_out"), (
                f"a {svc.kind} line carries only background {u} and sails from home only "
                f"with a load: give {u}_out ({u} a day offered at '{svc.from_}'; swap "
                "from and to if the cargo goes the other way)")
        if bg is None:
            continue
        back = getattr(bg, f"{u}_back")
        if not k.carries_boxes and out is not None and back is not None:
            years = sorted({out.base_year, back.base_year, *(out.per_day_by_year or {}),
                            *(back.per_day_by_year or {})})
            idle = [y for y in years if back.mean_per_day(y) > 0 and out.mean_per_day(y) == 0]
            if idle:
                yield f"{p}.background.{u}_back", (
                    f"{u} offered back in {idle[0]} when none go out ({u}_out is 0): a "
                    f"{svc.kind} sails from home only with a load, so they would never be "
                    f"fetched; swap from and to, or give {u}_out")
        fits = UNITS_BY_KIND[svc.kind]
        for field in bg.given():
            unit = UNIT_OF_FIELD[field]
            if unit not in fits:
                yield f"{p}.background.{field}", (f"a {svc.kind} carries "
                                                  f"{k.carries}, not {unit}")
            elif unit != "tonnes" and getattr(bg, f"tonnes_per_{unit.rstrip('s')}") is None:
                yield f"{p}.background.tonnes_per_{unit.rstrip('s')}", (
                    f"needed to weigh {field} (cargo tonnes per {unit.rstrip('s')}, with "
                    "its source)")
        usable = (svc.capacity_railcars or 0) * svc.load_factor
        if "trucks" in k.background_units and (bg.trucks_out or bg.trucks_back) and (
                bg.railcars_per_truck > usable):
            yield f"{p}.background.railcars_per_truck", (
                f"a truck takes {bg.railcars_per_truck:g} railcars of deck, more than a "
                f"vessel's usable {usable:g}")


def empty_departures(s: Scenario) -> Found:
    """Only a vessel service's timetable may leave empty (``min_boxes = 0``: a liner keeps
    its slots to fetch what waits at the far port); a train never runs empty."""
    for nid, node in s.nodes.items():
        for where, table in (("", node), (".crossing", node.crossing), (".port", node.port)):
            dep = getattr(table, "departure", None) if table is not None else None
            if dep is not None and dep.min_boxes == 0:
                yield f"nodes.{nid}{where}.departure.min_boxes", (
                    "a train never leaves empty (>= 1); only a vessel service's timetable "
                    "(services.ID.sailing) may sail with min_boxes 0")
