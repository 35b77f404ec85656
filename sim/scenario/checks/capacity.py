"""Rules on background traffic beyond the capacity of the resource it shares, which would
queue without end (and the modelled traffic behind it): a vessel service's fleet, a
port's berths, a facility's receiving tracks and crane gangs, each at the background's
peak month of every simulated year, against the least capacity in force in that year.
And a vessel service some flow sails on must have vessels at some time."""

from __future__ import annotations

from typing import Any

from sim.scenario.checks.elements import Found
from sim.scenario.checks.flows import flow_paths
from sim.scenario.checks.traffic import _years, facility_tables, in_force
from sim.scenario.distributions import Distribution
from sim.scenario.fleets import apportion
from sim.scenario.network import link_index
from sim.scenario.schema import Scenario, Service
from sim.scenario.sea_traffic import UNIT_OF_FIELD, UNITS_BY_KIND
from sim.scenario.traffic import Background
from sim.scenario.vessel_kinds import VESSEL_KINDS


def peak_per_day(parts: list[tuple[Background, float]], year: int) -> float:
    """The largest monthly mean per day in ``year`` of a weighted sum of daily counts
    (``(count, weight)`` pairs: units, or the space or hours a unit takes)."""
    return max(sum(bg.mean_per_day(year) * bg.seasonality[m] * w for bg, w in parts)
               for m in range(12))


def _line_fleet(s: Scenario, sid: str, year: int) -> tuple[str, float, bool] | None:
    """The vessels a service may have in ``year`` (the most in force), the field that
    sets them, and whether a timeline raises them: its own ``fleet``, or its share of
    the fleet it names (``fleet_pool``; ``fixed``: its part of the split by
    ``ships_per_line``; ``oldest_waiting``: at most every ship of the fleet). None for
    a fleet that does not exist (the fleets rule reports it)."""
    svc = s.services[sid]
    pool = svc.fleet_pool
    if pool is not None and pool not in s.fleets:
        return None
    if pool is None:
        field = f"services.{sid}.fleet"
        raised = any((ch.set or {}).get(field, 0) > 0 for ch in s.timeline)
        return field, max(in_force(s, field, svc.fleet, year)), raised
    fleet = s.fleets[pool]
    field = f"fleets.{pool}.ships"
    raised = any((ch.set or {}).get(field, 0) > 0 for ch in s.timeline)
    ships = max(in_force(s, field, fleet.ships, year))
    if fleet.allocation != "fixed":
        return field, ships, raised
    lines = [k for k, v in s.services.items() if v.fleet_pool == pool]
    if any(k not in fleet.ships_per_line for k in lines):
        return None  # the fleets rule reports the line a fixed fleet leaves out
    share = apportion(int(ships), [fleet.ships_per_line.get(k, 0) for k in lines])
    return field, share[lines.index(sid)], raised


def vessel_cycle_h(svc: Service, usable: float, handlings: int = 4) -> float:
    """Mean round trip of a vessel: two port calls (berthing), ``handlings`` handlings of
    a load (4: loaded both ways, load and unload at each end) and two crossings."""
    return (2.0 * (svc.berthing_h.mean + svc.crossing_h.mean)
            + handlings * usable / svc.handling_rate_per_h())


def fleet_room(s: Scenario) -> Found:
    """A vessel service's background, each way, stays below what its fleet carries:
    fleet x usable capacity x 24 / the mean round trip, units a day."""
    for sid, svc in s.services.items():
        bg = svc.background
        if bg is None:
            continue
        usable = svc.capacity_units() * svc.load_factor
        k = VESSEL_KINDS[svc.kind]
        unit = k.unit
        # a vessel that takes no box and has nothing offered back returns in ballast: two
        # handlings a trip
        ballast = not k.carries_boxes and not any(
            getattr(bg, f"{u}_back") for u in k.background_units)
        handlings = 2 if ballast else 4
        cycle_h = vessel_cycle_h(svc, usable, handlings)
        space = bg.space()
        if "trucks" in k.background_units and (bg.trucks_out or bg.trucks_back) and (
                bg.railcars_per_truck > usable):
            continue  # a truck does not fit at all: service_traffic says so
        fits = UNITS_BY_KIND[svc.kind]  # (service_traffic reports the others)
        for way in ("out", "back"):
            given = {f: b for f, b in bg.given().items()
                     if f.endswith(f"_{way}") and UNIT_OF_FIELD[f] in fits}
            if not given:
                continue
            names = " + ".join(given)
            field = f"services.{sid}.background" + (f".{names}" if len(given) == 1 else "")
            parts = [(b, space[UNIT_OF_FIELD[f]]) for f, b in given.items()]
            for y in _years(s):
                line = _line_fleet(s, sid, y)
                if line is None:
                    break
                _, fleet, raised = line
                if fleet == 0 and raised:
                    continue  # laid up until a timeline change: the units wait till then
                room = fleet * usable * 24.0 / cycle_h
                peak = peak_per_day(parts, y)
                if peak > 0 and peak >= room:
                    yield field, (
                        f"{peak:,.1f} {unit} a day {way} ({names}) in the peak month of "
                        f"{y}, at least the {room:,.1f} a day the fleet carries (fleet "
                        f"{fleet:g} x {usable:g} usable {unit} x 24 h / a round trip of "
                        f"{cycle_h:.1f} h = 2 x (berthing {svc.berthing_h.mean:g} h + "
                        f"crossing {svc.crossing_h.mean:g} h) + {handlings} x {usable:g} / "
                        f"{svc.handling_rate_per_h():g} {unit} an hour of handling); lower the "
                        "background or raise the fleet")
                    break


def facility_room(s: Scenario) -> Found:
    """Background at a transfer facility leaves room on its resources: vessel calls x
    berth hours under 24 x berths, trains x hours on a track (crane work and
    ``background_track_h``) under 24 x receiving tracks, and the crane moves of the
    background trains and TEU together under 24 x cranes x moves an hour."""
    for p, table in facility_tables(s):
        yield from _berth_room(s, p, table)
        yield from _track_room(s, p, table)
        yield from _crane_room(s, p, table)


def _berth_room(s: Scenario, p: str, table: Any) -> Found:
    calls: Background | None = getattr(table, "background_vessel_calls", None)
    berth: Distribution | None = getattr(table, "background_berth_h", None)
    if calls is None or berth is None:
        return
    for y in _years(s):
        berths = min(in_force(s, f"{p}.berths", table.berths, y))
        peak = peak_per_day([(calls, 1.0)], y)
        if peak * berth.mean >= 24 * berths:
            yield f"{p}.background_vessel_calls", (
                f"{peak:.2f} calls a day in the peak month of {y}, {berth.mean:g} h at "
                f"berth each, hold {peak * berth.mean:.0f} berth-hours a day of the "
                f"{24 * berths:g} there are (berths x 24); lower them or their hours")
            return


def _track_room(s: Scenario, p: str, table: Any) -> Found:
    trains: Background | None = table.background_trains
    if trains is None:
        return
    per_train = table.background_moves_per_train
    for y in _years(s):
        rate = min(in_force(s, f"{p}.crane_moves_per_h", table.crane_moves_per_h, y))
        tracks = min(in_force(s, f"{p}.receiving_tracks", table.receiving_tracks, y))
        hold_h = per_train / rate + table.background_track_h
        peak = peak_per_day([(trains, 1.0)], y)
        if hold_h > 0 and peak * hold_h >= 24 * tracks:
            yield f"{p}.background_trains", (
                f"{peak:.1f} trains a day in the peak month of {y}, each on a track "
                f"{hold_h:.1f} h ({per_train:g} crane moves at {rate:g} an hour + "
                f"background_track_h {table.background_track_h:g} h), hold "
                f"{peak * hold_h:.0f} track-hours a day of the {24 * tracks:g} there are "
                "(receiving_tracks x 24); lower them or their hours")
            return


def _crane_room(s: Scenario, p: str, table: Any) -> Found:
    trains: Background | None = table.background_trains
    teu: Background | None = getattr(table, "background_teu", None)
    per_train: float = table.background_moves_per_train
    per_teu: float = getattr(table, "background_moves_per_teu", 0.0)
    parts = [(b, w) for b, w in ((trains, per_train), (teu, per_teu))
             if b is not None and w > 0]
    if not parts:
        return
    for y in _years(s):
        rate = min(in_force(s, f"{p}.crane_moves_per_h", table.crane_moves_per_h, y))
        cranes = min(in_force(s, f"{p}.cranes", table.cranes, y))
        hours = peak_per_day(parts, y) / rate
        if hours < 24 * cranes:
            continue
        if trains is not None and (teu is None or per_teu == 0):
            yield f"{p}.background_trains", (
                f"{peak_per_day([(trains, 1.0)], y):.1f} trains a day in the peak month "
                f"of {y} need {hours:.0f} crane gang-hours a day of the {24 * cranes:g} "
                "there are (cranes x 24); lower the background or its moves per train")
        else:
            yield f"{p}.background_teu", (
                f"the background's crane moves in the peak month of {y} (trains x "
                f"{per_train:g} + TEU x {per_teu:g} moves) need {hours:.0f} crane "
                f"gang-hours a day at {rate:g} moves an hour, of the {24 * cranes:g} "
                "there are (cranes x 24); lower the background or its moves")
        return


def never_open(s: Scenario, rid: str) -> bool:
    """Whether route ``rid`` opens only after the run (``open_from`` on or after the
    horizon's end, e.g. a run shortened by ``--horizon``): it carries nothing."""
    d = s.routes[rid].open_from if rid in s.routes else None
    return d is not None and d >= s.horizon.end


def laid_up_services(s: Scenario) -> Found:
    """A vessel service some flow sails on has vessels at some time: a fleet of 0 that
    no timeline change raises would hold the flow's boxes at the port without end (a
    route that opens only after the run carries none)."""
    links = link_index(s)
    used: dict[str, tuple[str, str]] = {}
    for fid, rid, path, err in flow_paths(s):
        if err or path is None or never_open(s, rid):
            continue
        for a, b in zip(path, path[1:]):
            sid = links.get(frozenset((a, b)))
            if sid is not None and sid in s.services and sid not in s.links:
                used.setdefault(sid, (fid, rid))
    for sid, (fid, rid) in used.items():
        line = _line_fleet(s, sid, min(_years(s)))
        if line is None:
            continue
        field, ships, raised = line
        if ships == 0 and not raised:
            yield field, (f"0 vessels and no timeline change raises it, but flow '{fid}' "
                          f"sails on it (route '{rid}'): its boxes would wait at "
                          f"'{s.services[sid].from_}' without end")
