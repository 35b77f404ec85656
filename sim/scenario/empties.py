"""Empty containers going back: the share of a flow's boxes whose empty returns to the
origin region by the same route (``[demand.flows.ID.empties]``).

Empties are not boxes of the record store. They are background load on the legs of the
flow's routes travelled backward, drawn up front for the whole run
(:mod:`sim.engine.facilities.empties`): empty trains holding paths on the rail links
and empty units sharing the return sailings of the vessel services. Expected empties
leaving the destination on day ``d`` are::

    E(d) = max(0, return_share x N(d - lag_days) - sum of N_g(d) over the flows g in net_of)

with ``N`` the flow's expected boxes a day at its origin (its demand rates) and ``N_g``
the expected boxes a day of a flow running the other way whose loaded boxes are this
flow's boxes refilled (the netting rule: a box going back loaded is not going back
empty). ``E`` is split over the flow's routes by the route shares in force that day.
Every figure cites a source or says ``assumption`` with a reason, like the rest of a
scenario.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.basics import Strict as _Strict

# the background unit name of the empties on a vessel service (in the service's capacity
# unit: TEU on a feeder, railcars on a ferry) and its offered-count keys per direction
EMPTIES = "empties"


class ReturnEmpties(_Strict):
    """The empties of one flow going back to its origin region (see the module
    docstring)."""

    return_share: float = Field(gt=0, le=1, description="share of the flow's loaded "
                                "boxes whose empty goes back to the origin region by the "
                                "same route (shipper-owned or carrier boxes that must "
                                "return); the rest are reused or leased out where they "
                                "land, fraction")
    lag_days: float = Field(ge=0, le=365, description="days from a loaded box's arrival "
                            "at its origin terminal to its empty's departure back from the "
                            "destination (the loaded transit, unloading and turnaround), "
                            "days")
    net_of: list[str] = Field(default_factory=list, description="ids of flows running the "
                              "other way whose loaded boxes are this flow's boxes refilled: "
                              "their expected boxes a day are taken off this flow's empties "
                              "of the same day (never below 0)")
    source: str | None = None
