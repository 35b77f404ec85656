"""Pools of container flat wagons (``[wagon_pools.ID]``): a train cannot leave without
its wagons.

A pool is a fleet of alike flat wagons serving the trains formed at some formation points
on one gauge: block trains leaving an origin terminal, outbound trains formed at a gauge
crossing onto the pool's gauge (at Dostyk, the broad-gauge trains formed after the gauge
change), or trains formed at a port or dry port from landed boxes. A train that its
departure rule releases takes its wagons from the pool; if too few are there it waits,
formed, in first-in first-out order with the pool's other trains (a train at the head
that needs more than are free holds those behind it), and its boxes stay in the yard (at
the origin: in the terminal) until it leaves (:mod:`sim.engine.facilities.wagons`).

A wagon is counted in TEU slots (``teu_per_wagon``: 2 for a 40 ft platform, 3 for a
60 ft, 4 for an 80 ft); a 40 ft box takes two slots on one wagon, so a train of ``b40``
forty-foot boxes and ``teu`` TEU needs ``max(ceil(b40 / (teu_per_wagon // 2)),
ceil(teu / teu_per_wagon))`` wagons (the fewest a loading plan can use).

The wagons' cycle is measured, not drawn whole: they are **in use** from the hour the
train takes them until they are back in the pool, that is

1. the loaded trip: until the train's boxes are unloaded at its next stop (a crossing's or
   port's cranes, after any queue for a track, yard space or a crane there), or, at a
   destination terminal or onto a roll-on ferry, until it arrives;
2. the empty return: ``empty_run_factor`` times the loaded train's running time from its
   departure to that arrival (the empties run back over the same lines), plus a
   ``turnaround_h`` draw (the wagons' time in the terminals at both ends beyond what the
   model times: waiting to be formed into an empty train, inspection and repair,
   positioning for loading).

So wagons held by trains queueing at a congested crossing are missing at the origin, as
in the platform shortages of 2020–21 and 2024 (corridor-facts §3.3). A pool is off by
default: without ``[wagon_pools]`` every train finds its wagons where it forms.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sim.scenario.basics import Strict as _Strict
from sim.scenario.distributions import Distribution


class WagonPool(_Strict):
    """A fleet of alike container flat wagons serving the trains formed at some nodes on
    one gauge (see the module docstring)."""

    nodes: list[str] = Field(min_length=1, description="node ids where trains formed onto "
                             "the pool's gauge take their wagons from it: origin "
                             "terminals, gauge crossings (the trains formed there onto "
                             "gauge_mm), ports or dry ports forming trains")
    gauge_mm: Literal[1435, 1520] = Field(description="the gauge of the pool's wagons and "
                                          "of the trains they serve, mm")
    wagons: int = Field(ge=1, le=200_000, json_schema_extra={"timeline": {}},
                        description="wagons in the fleet, count; a timeline may change it "
                        "(wagons added, or withdrawn as they come back)")
    teu_per_wagon: int = Field(2, ge=2, le=4, description="TEU slots per wagon: 2 (40 ft "
                               "platform), 3 (60 ft) or 4 (80 ft); a 40 ft box takes two "
                               "slots on one wagon")
    empty_run_factor: float = Field(1.0, ge=0.0, le=5.0, description="the empty return's "
                                    "running time as a multiple of the loaded train's "
                                    "running time to its unloading point")
    turnaround_h: Distribution = Field(description="hours per train's wagons added to the "
                                       "empty return (terminal time at both ends the model "
                                       "does not time), one draw per train")
    source: str | None = None


def wagons_needed(boxes: int, teu: int, teu_per_wagon: int) -> int:
    """Wagons a train of ``boxes`` boxes and ``teu`` TEU takes (every box 20 or 40 ft, so
    ``teu - boxes`` of them are 40 ft): the fewest a loading plan can use, with a 40 ft box
    taking two slots on one wagon."""
    if boxes <= 0:
        return 0
    forty = teu - boxes
    per_wagon_40 = teu_per_wagon // 2
    return max(-(-forty // per_wagon_40), -(-teu // teu_per_wagon))


def full_train_wagons(boxes_per_train: int, teu_per_wagon: int) -> int:
    """Wagons a full train of 40 ft boxes takes: the most any train of that length does."""
    return wagons_needed(boxes_per_train, 2 * boxes_per_train, teu_per_wagon)


def wagon_lines(scenario: Any) -> list[str]:
    """The ``corridor check`` lines of the wagon pools (none without pools)."""
    return [f"  wagons    {pid}: {p.wagons:,} wagons of {p.teu_per_wagon} TEU on "
            f"{p.gauge_mm} mm for trains formed at {', '.join(p.nodes)}; empty run x"
            f"{p.empty_run_factor:g} the loaded, turnaround mean {p.turnaround_h.mean:.0f} h"
            for pid, p in scenario.wagon_pools.items()]
