"""The sea as the shippers' alternative to the rail routes (optional ``[sea_mode]``
table; none: no sea alternative and every result as without it).

China -> northern Europe by container ship: a step series of dated door-to-door times
(days) and freight rates (USD per FEU), each holding from its date until the next one
(e.g. the Suez route's ~35 days, then the Cape of Good Hope diversion's +10-14 days from
January 2024, and the weekly spot rates), the flows it competes for (by their origin's
and destination's regions: China -> Europe unless told), and its constant in
the nested logit (:mod:`sim.scenario.nested_logit`; ``route_choice.model =
"nested_logit"``). The cross-field rules are :func:`sim.scenario.checks.nested.nested_logit`.
"""

from __future__ import annotations

import bisect
import datetime as dt

from pydantic import Field

from sim.scenario.basics import Strict


class SeaRate(Strict):
    """What the sea offers from ``date`` until the next rate's date."""

    date: dt.date
    door_to_door_days: float = Field(gt=0, le=365, description="door-to-door time, days")
    usd_per_feu: float = Field(gt=0, le=100_000, description="all-in freight, USD per FEU")
    unreliability_days: float | None = Field(default=None, ge=0, le=365, description="the "
                                             "sea's p95 - p50 door-to-door days from this "
                                             "date (none: sea_mode.unreliability_days)")
    note: str = ""


class HeldMarket(Strict):
    """Another scenario's market, held: a counterfactual that changes the base year's
    conditions (the sea's rates, the rail costs) splits the factual's market instead of
    one its own conditions would imply (:mod:`sim.scenario.mode_split`)."""

    constant: float = Field(ge=-100, le=100, description="the factual's sea constant")
    rail_shares: dict[str, float] = Field(min_length=1, description="each competing flow's "
                                          "reference rail share P_rail_ref in the factual, "
                                          "in (0, 1)")
    source: str | None = None


class SeaMode(Strict):
    """The sea alternative: dated times and rates, and its constant."""

    rates: list[SeaRate] = Field(min_length=1, description="in date order, one per date")
    constant: float = Field(default=0.0, ge=-100, le=100, description="the sea's "
                            "alternative-specific constant (utility; the rail routes' are "
                            "route_choice.constants)")
    unreliability_days: float = Field(default=0.0, ge=0, le=365, description="the sea's "
                                      "p95 - p50 door-to-door days")
    origin_regions: list[str] = Field(default_factory=lambda: ["china"], min_length=1,
                                      description="the sea competes for the flows from "
                                      "these regions ...")
    destination_regions: list[str] = Field(default_factory=lambda: ["europe"], min_length=1,
                                           description="... to these regions")
    market_teu: float | None = Field(default=None, gt=0, le=1e9, description="the market "
                                     "the competing flows and the sea split in the demand's "
                                     "base year, TEU (all modes); given: the sea's constant is "
                                     "derived from it (sim.scenario.mode_split)")
    held_market: HeldMarket | None = Field(default=None, description="the market of "
                                           "another scenario (its sea constant and reference "
                                           "rail shares), held: market_teu and constant are "
                                           "then not used")
    rail_headroom: float = Field(default=2.0, ge=1, le=20, description="candidate boxes "
                                 "drawn per expected rail box at reference conditions: rail "
                                 "may take up to this many times its reference share")
    source: str | None = None

    def competes(self, origin_region: str, destination_region: str) -> bool:
        """Whether the sea is an alternative for a flow between these regions."""
        return (origin_region in self.origin_regions
                and destination_region in self.destination_regions)

    def unreliability(self, rate: SeaRate) -> float:
        """The p95 - p50 days holding with ``rate``: its own, else the table's."""
        return self.unreliability_days if rate.unreliability_days is None \
            else rate.unreliability_days

    def at(self, day: dt.date) -> SeaRate:
        """The rate holding on ``day``: the latest dated at or before it (the first one
        before the first date; the checks ask it to hold from the horizon's start)."""
        i = bisect.bisect_right([r.date for r in self.rates], day) - 1
        return self.rates[max(i, 0)]
