"""Handover caps of a gauge crossing: the most trains a day the crossing hands over to the
next railway in one direction (an agreement between the two railways on how many trains
each accepts from the other a day).

A direction is named by the gauge its trains leave on: at a China–Kazakhstan crossing,
trains leaving on 1435 mm go toward China (eastbound), trains leaving on 1520 mm toward
Kazakhstan (westbound). A train formed for a capped direction waits, formed, for the next
free handover of the calendar day (days run from model midnight; the count resets at each
midnight) and its boxes stay in the yard until it leaves; trains leave in the order they
were formed (:mod:`sim.engine.facilities.handover`). No cap (the default): trains leave
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
