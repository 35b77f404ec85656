"""One fleet, several lines: vessels shared by the vessel services that name the fleet
(``fleet_pool``) instead of owning a ``fleet`` count.

Every line of a fleet ends at the same far port, the fleet's **base** (ASCO's ferries and
feeders all work out of Baku/Alat): a vessel that has unloaded there is released to the
fleet, which assigns it to a line by the fleet's ``allocation`` rule; it takes that line's
return load and sails to the line's home port, where it waits for a load by the line's
sailing rule as on any service. The lines' own fields (capacity, handling, passage,
sailing rule, background traffic) say what a vessel does while it serves the line.

Rules:

* ``fixed``: each line keeps its share of the ships: ``ships`` split in proportion to
  ``ships_per_line``, largest remainders first (exactly ``ships_per_line`` when they add up
  to ``ships``; a timeline change of ``ships``, or a sweep of it, is split the same way); a
  vessel returns to its own line unless that line has more than its share and another
  fewer;
* ``oldest_waiting``: a vessel goes to the line whose home port holds the oldest waiting
  cargo (modelled boxes ready, or background units offered) that no vessel is already
  coming for: the space of the vessels waiting at or sailing to that home port is set
  against the waiting cargo, oldest first, and the first unit beyond it decides (ties:
  the line with fewer vessels coming, then the order of the services).

Vessels given at the start begin at their lines' home ports (``ships`` split in
proportion to ``ships_per_line``, or evenly in the order of the services); vessels a
timeline adds start at the base and are assigned by the rule; vessels a timeline
withdraws leave the fleet as they are next released at the base (a ``fixed`` fleet
withdraws from lines above their share).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Fleet(BaseModel):
    """Vessels shared by several vessel services (lines) under an allocation rule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    ships: int = Field(ge=0, le=500, description="vessels in the fleet, count",
                       json_schema_extra={"timeline": {}})
    allocation: Literal["fixed", "oldest_waiting"] = Field(
        description="fixed: each line keeps ships_per_line; oldest_waiting: a vessel "
        "released at the base goes to the line with the oldest waiting cargo no vessel is "
        "coming for")
    ships_per_line: dict[str, Annotated[int, Field(ge=0, le=500)]] = Field(
        default_factory=dict, description="service id -> vessels on it (ships is split in "
        "proportion; fixed: each line's share, for every line; oldest_waiting: where the "
        "vessels start, optional)")
    source: str | None = None


def apportion(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders first, ties to
    the earlier); equal shares if every weight is 0."""
    w = [float(x) for x in weights] if any(weights) else [1.0] * len(weights)
    exact = [total * x / sum(w) for x in w]
    got = [int(e) for e in exact]
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - got[i]), i))
    for i in order[:total - sum(got)]:
        got[i] += 1
    return got
