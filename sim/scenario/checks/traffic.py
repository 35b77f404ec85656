"""Rules on background traffic: it must leave room for the modelled traffic on the
resource it shares, in every simulated year at its peak month (background traffic beyond
a resource's capacity would queue without end, and the modelled trains behind it)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from sim.scenario.checks.elements import Found
from sim.scenario.kinds import kind_of
from sim.scenario.schema import Scenario
from sim.scenario.traffic import Background


def _years(s: Scenario) -> range:
    """The calendar years simulated (warm-up included)."""
    h = s.horizon
    first = h.start - dt.timedelta(days=h.warmup_days)
    last = h.end - dt.timedelta(days=1)
    return range(first.year, last.year + 1)


def _peaks(s: Scenario, bg: Background) -> Iterator[tuple[int, float]]:
    """Per simulated year, the mean per day of its peak month."""
    top = max(bg.seasonality)
    for y in _years(s):
        yield y, bg.mean_per_day(y) * top


def in_force(s: Scenario, field: str, value: float, year: int) -> list[float]:
    """The values of a scenario field (dotted ``field``, as given: ``value``) in force at
    some time in calendar ``year``: the one at its start, then every one the timeline
    sets during it."""
    during: list[float] = []
    for ch in sorted(s.timeline, key=lambda c: c.date):
        v = (ch.set or {}).get(field)
        if v is None:
            continue
        if ch.date.year < year or (ch.date.year == year and ch.date.month == 1
                                   and ch.date.day == 1):
            value = v  # in force from the year's start
        elif ch.date.year == year:
            during.append(v)
    return [value] + during


def facility_tables(s: Scenario) -> Iterator[tuple[str, Any]]:
    """Each node's facility table (crossing, port, dry port, ...) with its dotted path."""
    for nid, node in s.nodes.items():
        k = kind_of(node)
        table = getattr(node, k.section) if k.section else None
        if table is not None:
            yield f"nodes.{nid}.{k.section}", table


def _paths_in(s: Scenario, lid: str, year: int) -> float:
    """The fewest train paths a day in force on a link at any time in ``year``."""
    return min(in_force(s, f"links.{lid}.train_paths_per_day",
                        s.links[lid].train_paths_per_day, year))


def _least(s: Scenario, field: str, value: float) -> float:
    """The least value of a scenario field ever in force: as given or set by the
    timeline (dotted ``field``)."""
    sets = [(ch.set or {}).get(field) for ch in s.timeline]
    return min([value] + [v for v in sets if v is not None])


def _peak_day(bg: Background, mean_per_day: float) -> tuple[float, float]:
    """A high day's count in a month of ``mean_per_day``: the mean plus 4 standard
    deviations of a day's count (Poisson around a gamma of coefficient of variation
    ``bg.cv``: variance ``m + (cv m)^2``), and that standard deviation."""
    sd = math.sqrt(mean_per_day + (bg.cv * mean_per_day) ** 2)
    return mean_per_day + 4.0 * sd, sd


def _peak_day_fits(s: Scenario, field: str, teu: Background, yard_teu: float) -> Found:
    """A port's background TEU of a high day fit its yard at once (the least yard in
    force): the day's batch is put in parts that fit, but a day beyond the yard fills it
    to the brim and holds every modelled load behind it."""
    least = _least(s, field, yard_teu)
    for y, peak in _peaks(s, teu):
        day, sd = _peak_day(teu, peak)
        if day > least:
            yield field.rsplit(".", 1)[0] + ".background_teu", (
                f"a high day in the peak month of {y} brings {day:,.0f} TEU (the month's "
                f"mean {peak:,.0f} + 4 sd of a day's count, {sd:,.0f}), more than the "
                f"yard holds ({least:g} TEU, the least in force); lower them or raise "
                "yard_capacity_teu")
            break


def background_room(s: Scenario) -> Found:
    """Background trains leave train paths to the modelled ones on every link; background
    TEU leave room in a port's yard (crane gangs, tracks, berths and vessels:
    :mod:`sim.scenario.checks.capacity`)."""
    for lid, link in s.links.items():
        bg = link.background_trains
        if bg is None:
            continue
        for y, peak in _peaks(s, bg):
            paths = _paths_in(s, lid, y)
            if peak >= paths:
                yield f"links.{lid}.background_trains", (
                    f"{peak:.1f} trains a day in the peak month of {y} take all of the "
                    f"{paths:g} train paths a day in force then (train_paths_per_day); "
                    "lower the background or raise the paths")
                break
    for p, table in facility_tables(s):
        teu = getattr(table, "background_teu", None)
        dwell = getattr(table, "background_dwell_h", None)
        if teu is not None:
            yield from _peak_day_fits(s, f"{p}.yard_capacity_teu", teu,
                                      table.yard_capacity_teu)
        if teu is not None and dwell is not None:
            for y, peak in _peaks(s, teu):
                held = peak * dwell.mean / 24.0
                if held >= table.yard_capacity_teu:
                    yield f"{p}.background_teu", (
                        f"{peak:.0f} TEU a day in the peak month of {y}, {dwell.mean:.0f} "
                        f"h each, hold {held:,.0f} TEU on average, the whole yard "
                        f"({table.yard_capacity_teu:g} TEU); lower them or their dwell")
                    break
