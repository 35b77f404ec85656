"""Rules on what a vessel service carries besides the modelled boxes: roll-off of
container wagons (ferries only, on one gauge) and background traffic in the units its kind
of vessel takes, each with its tonnes per unit; a tanker line carries background tonnes
and nothing else."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.schema import Scenario
from sim.scenario.sea_traffic import UNIT_OF_FIELD, UNITS_BY_KIND

_CARRIES = {"ferry": "railcars and trucks", "feeder": "TEU", "tanker": "tonnes only"}


def service_traffic(s: Scenario) -> Found:
    """A feeder rolls nothing off; a ferry rolls wagons off onto the gauge they rolled on
    at; background counts are in a unit the vessel takes, each weighed, and one truck fits
    on a vessel."""
    for sid, svc in s.services.items():
        p = f"services.{sid}"
        if svc.roll_off_dwell_h is not None:
            a, b = s.nodes.get(svc.from_), s.nodes.get(svc.to)
            if svc.kind == "tanker":
                yield f"{p}.roll_off_dwell_h", ("a tanker carries no wagons; only a ferry "
                                                "rolls wagons off")
            elif svc.kind != "ferry":
                yield f"{p}.roll_off_dwell_h", ("a feeder lifts boxes into the far port's "
                                                "yard; only a ferry rolls wagons off")
            elif (a is not None and b is not None and a.gauge_mm and b.gauge_mm
                  and a.gauge_mm != b.gauge_mm):
                yield f"{p}.roll_off_dwell_h", (
                    f"wagons rolled on at '{svc.from_}' ({a.gauge_mm} mm) cannot roll off "
                    f"onto '{svc.to}' ({b.gauge_mm} mm); wagons keep their gauge")
        bg = svc.background
        if svc.kind == "tanker" and (bg is None or bg.tonnes_out is None):
            yield f"{p}.background" + ("" if bg is None else ".tonnes_out"), (
                "a tanker line carries only background tonnes and sails from home only "
                f"with a load: give tonnes_out (tonnes a day offered at '{svc.from_}'; swap "
                "from and to if the cargo goes the other way)")
        if bg is None:
            continue
        if svc.kind == "tanker" and bg.tonnes_out is not None and bg.tonnes_back is not None:
            out, back = bg.tonnes_out, bg.tonnes_back
            years = sorted({out.base_year, back.base_year, *(out.per_day_by_year or {}),
                            *(back.per_day_by_year or {})})
            idle = [y for y in years if back.mean_per_day(y) > 0 and out.mean_per_day(y) == 0]
            if idle:
                yield f"{p}.background.tonnes_back", (
                    f"tonnes offered back in {idle[0]} when none go out (tonnes_out is 0): a "
                    "tanker sails from home only with a load, so they would never be "
                    "fetched; swap from and to, or give tonnes_out")
        fits = UNITS_BY_KIND[svc.kind]
        for field in bg.given():
            unit = UNIT_OF_FIELD[field]
            if unit not in fits:
                yield f"{p}.background.{field}", (f"a {svc.kind} carries "
                                                  f"{_CARRIES[svc.kind]}, not {unit}")
            elif unit != "tonnes" and getattr(bg, f"tonnes_per_{unit.rstrip('s')}") is None:
                yield f"{p}.background.tonnes_per_{unit.rstrip('s')}", (
                    f"needed to weigh {field} (cargo tonnes per {unit.rstrip('s')}, with "
                    "its source)")
        usable = (svc.capacity_railcars or 0) * svc.load_factor
        if svc.kind == "ferry" and (bg.trucks_out or bg.trucks_back) and (
                bg.railcars_per_truck > usable):
            yield f"{p}.background.railcars_per_truck", (
                f"a truck takes {bg.railcars_per_truck:g} railcars of deck, more than a "
                f"vessel's usable {usable:g}")
