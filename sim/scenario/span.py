"""Short and partial runs: a scenario run for another span than its own, the labels of
years the span covers in part, and the warm-up against the longest transit.

:func:`fit_timeline` fits a scenario's dated changes (``[[timeline]]``, its own and its
parents') to a new horizon (``corridor run --horizon START:END``): a change dated on or
after the end is dropped; a change dated before the run's first day (the warm-up's) is in
force from that day (a closure for what is left of it, or dropped when it is over); each
says so in one warning. :func:`period_label` names a calendar year clipped to the
reported span (``"2024"`` whole, ``"2024 Jan–Mar"`` in part). :func:`warmup_problems`
warns when the warm-up is shorter than the longest expected transit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, NamedTuple

from sim.scenario.network import PathError, flow_path, legs, link_index, routes_of
from sim.scenario.schema import Scenario

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")


def period_label(a: dt.date, b: dt.date) -> str:
    """The label of the days ``a`` (included) to ``b`` (excluded) of one calendar year:
    the year (``"2024"``) when they are the whole year, else the year and the months
    (``"2024 Jan–Mar"``, ``"2024 Mar"``), with the days where a month is cut
    (``"2024 Jan 15–Mar 31"``)."""
    y = a.year
    if a == dt.date(y, 1, 1) and b == dt.date(y + 1, 1, 1):
        return str(y)
    last = b - dt.timedelta(days=1)
    whole_months = a.day == 1 and b.day == 1
    first_s = _MONTHS[a.month - 1] + ("" if whole_months else f" {a.day}")
    last_s = _MONTHS[last.month - 1] + ("" if whole_months else f" {last.day}")
    if first_s == last_s:
        return f"{y} {first_s}"
    if not whole_months and a.month == last.month:
        return f"{y} {first_s}–{last.day}"
    return f"{y} {first_s}–{last_s}"


def is_whole_year(label: str) -> bool:
    """Whether a period label names a whole calendar year (``"2024"``), not a part of one
    (``"2024 Jan–Mar"``) or the run (``"run"``)."""
    return re.fullmatch(r"\d{4}", str(label)) is not None


def parse_horizon(text: str) -> tuple[dt.date, dt.date]:
    """``"START:END"`` (ISO dates, END excluded) -> (start, end); ValueError saying what
    is wrong."""
    start_s, sep, end_s = text.partition(":")
    if not sep:
        raise ValueError(f"expected START:END, two ISO dates, e.g. 2024-01-01:2024-04-01 "
                         f"(got '{text}')")
    try:
        start, end = dt.date.fromisoformat(start_s.strip()), dt.date.fromisoformat(
            end_s.strip())
    except ValueError:
        raise ValueError(f"expected START:END, two ISO dates, e.g. 2024-01-01:2024-04-01 "
                         f"(got '{text}')") from None
    if end <= start:
        raise ValueError(f"END ({end}) must be after START ({start})")
    return start, end


class Fitted(NamedTuple):
    """The timeline fitted to a span: the entries kept (in the order the run applies
    them), where each came from (``kept_from[k]``: its index before), and one
    ``(index before, message)`` per entry dropped or moved."""

    entries: list[Any]
    kept_from: list[int]
    notes: list[tuple[int, str]]


def _as_date(value: object) -> dt.date | None:
    """A TOML date, or an ISO date string (as overrides give it); None otherwise."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def fit_timeline(entries: list[Any], first: dt.date, end: dt.date) -> Fitted:
    """Fit raw ``[[timeline]]`` entries (TOML tables) to the simulated days ``first``
    (the warm-up's first day) to ``end`` (excluded).

    An entry dated on or after ``end`` is dropped. One dated before ``first`` is in force
    from ``first``: a ``set`` or ``shares`` change moves to ``first``, a closure keeps
    what is left of its days (and is dropped when none is); the entries moved to
    ``first`` are applied in the order of their own dates, before the entries dated
    ``first``, so the value in force on ``first`` is the one the latest of them set. An
    entry without a valid date is left for the schema to report.
    """
    kept: list[tuple[int, Any, dt.date]] = []  # (index before, entry, its own date)
    notes: list[tuple[int, str]] = []
    for i, ch in enumerate(entries):
        date = _as_date(ch.get("date") if isinstance(ch, dict) else None)
        if date is None:
            kept.append((i, ch, dt.date.min))
            continue
        if date >= end:
            when = "after" if date > end else "on"
            notes.append((i, f"{date} is {when} the horizon's end {end}; dropped"))
            continue
        if date >= first:
            kept.append((i, ch, date))
            continue
        days = ch.get("days")
        if ch.get("close") is not None and isinstance(days, int | float) \
                and not isinstance(days, bool):
            left = days - (first - date).days
            if left <= 0:
                notes.append((i, f"{date}: the closure of {days:g} days ends before the "
                                 f"run's first day {first} (warm-up included); dropped"))
                continue
            ch = {**ch, "date": first, "days": left}
            notes.append((i, f"{date} is before the run's first day {first} (warm-up "
                             f"included): closed from then for the {left:g} days left"))
        else:
            ch = {**ch, "date": first}
            notes.append((i, f"{date} is before the run's first day {first} (warm-up "
                             "included); in force from then"))
        kept.append((i, ch, date))
    # the run applies changes by date, keeping their order on one date: those on the
    # first day go in the order of their own dates
    on_first = [k for k, (_i, ch, _d) in enumerate(kept)
                if isinstance(ch, dict) and _as_date(ch.get("date")) == first]
    ordered = sorted((kept[k] for k in on_first), key=lambda e: e[2])
    for k, e in zip(on_first, ordered):
        kept[k] = e
    return Fitted([ch for _i, ch, _d in kept], [i for i, _ch, _d in kept], notes)


def expected_transits(s: Scenario) -> list[tuple[float, str, str, str]]:
    """Per flow and route it may take, the expected transit in days: the route's
    ``prior_transit_days`` (the published time the route choice starts from) where it
    gives one, else the running time of its path, origin to destination (each link's
    length_km over its mean speed_km_per_day, each sea passage's mean crossing_h),
    without any wait; a route that opens only after the run is left out. Rows (days,
    flow, route, which of the two)."""
    links = link_index(s)
    out = []
    for fid, f in s.demand.flows.items():
        for rid in routes_of(s, fid):
            route = s.routes[rid]
            if route.open_from is not None and route.open_from >= s.horizon.end:
                continue  # never open during the run
            if route.prior_transit_days is not None:
                out.append((route.prior_transit_days, fid, rid, "its prior_transit_days"))
                continue
            try:
                path = flow_path(s, f.origin, f.destination, rid, links)
            except PathError:
                continue
            days = 0.0
            for leg in legs(s, path, links):
                if leg.sea:
                    days += s.services[leg.link_id].crossing_h.mean / 24.0
                else:
                    link = s.links[leg.link_id]
                    days += link.length_km / link.speed_km_per_day.mean
            out.append((days, fid, rid, "the running time of its links"))
    return out


def warmup_problems(s: Scenario) -> list[tuple[str, str]]:
    """A warning when the warm-up is shorter than the longest expected transit
    (:func:`expected_transits`): the first reported days then miss boxes that would be
    on their way in a run begun long before."""
    rows = expected_transits(s)
    if not rows:
        return []
    days, fid, rid, how = max(rows)
    w = s.horizon.warmup_days
    if w >= days:
        return []
    return [("horizon.warmup_days", f"{w} days is shorter than the longest expected "
             f"transit, {days:.1f} days (flow {fid} by route {rid}, {how}): the first "
             f"reported days miss boxes still on their way; give at least "
             f"{math.ceil(days)}")]
