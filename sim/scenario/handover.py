"""Handover caps of a gauge crossing: the most trains a day the crossing hands over to the
next railway in one direction (an agreement between the two railways on how many trains
each accepts from the other a day).

A direction is named by the gauge its trains leave on: at a China–Kazakhstan crossing,
trains leaving on 1435 mm go toward China (eastbound), trains leaving on 1520 mm toward
Kazakhstan (westbound). While a capped direction's handovers of the calendar day are used
up (days run from model midnight; the count resets at each midnight), no train for it
leaves its formation pool: the boxes wait in the yard, and at the next free handover the
departure rule releases a train as full as the pool then allows; pools (and block trains
crossing whole) take the free handovers in the order they began to wait, a train a turn
(:mod:`sim.engine.facilities.handover`). No cap (the default): trains leave
as soon as formed. A timeline may set or change a cap from a date (``set =
{ "nodes.ID.crossing.handover_standard_gauge_trains_per_day" = 15 }``); the new cap applies
from that hour, to the day under way (handovers already made that day count against it).
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.basics import Strict as _Strict


class CrossingHandover(_Strict):
    """The daily handover caps of a crossing, by the gauge the trains leave on (crossings
    only; none: no cap). A timeline may change them within their own bounds (the mark of
    :func:`sim.scenario.schema.during_run`, written out: the schema imports this
    module)."""

    handover_standard_gauge_trains_per_day: int | None = Field(
        None, ge=1, le=200, json_schema_extra={"timeline": {}},
        description="most outbound trains a day handed over on 1435 mm (at a "
        "China–Kazakhstan crossing: toward China, eastbound), trains per calendar day; "
        "none: no cap")
    handover_broad_gauge_trains_per_day: int | None = Field(
        None, ge=1, le=200, json_schema_extra={"timeline": {}},
        description="most outbound trains a day handed over on 1520 mm (at a "
        "China–Kazakhstan crossing: toward Kazakhstan, westbound), trains per calendar "
        "day; none: no cap")


# the field for the trains leaving on each gauge, mm
HANDOVER_FIELDS = {1435: "handover_standard_gauge_trains_per_day",
                   1520: "handover_broad_gauge_trains_per_day"}
