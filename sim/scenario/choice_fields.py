"""The route choice's settings (``[route_choice]``), apart from the schema's other tables
(see :mod:`sim.scenario.schema`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.basics import Region, Strict


class RouteChoice(Strict):
    """How a block train picks its route at the origin among its flow's routes.

    ``shares``: at random with the flow's route shares. ``logit``: multinomial logit over
    utility = constant + time_per_day * expected transit days + tariff_per_kusd * tariff
    (thousand USD per FEU) + unreliability_per_day * (p95 - p50 transit days), where the
    expected and unreliability times are learned from the flow's boxes delivered by that
    route in the last ``window_days`` (at least the latest ``min_observations`` boxes;
    the route's priors until that many are seen), so a congested or closed route sheds
    traffic once its slow boxes arrive; they are re-read every ``requote_days`` (a
    forwarder's quote holds until the next). ``nested_logit``: the rail routes form a nest
    beside the sea (``[sea_mode]``), costs from ``[costs]`` (sim.scenario.nested_logit)."""

    model: Literal["shares", "logit", "nested_logit"] = "shares"
    time_per_day: float = Field(default=-0.3, le=0, ge=-100, description="utility per day")
    tariff_per_kusd: float = Field(default=-0.5, le=0, ge=-100,
                                   description="utility per 1,000 USD per FEU")
    unreliability_per_day: float = Field(default=-0.2, le=0, ge=-100,
                                         description="utility per day of p95 - p50")
    constants: dict[str, float | str] = Field(
        default_factory=dict, description="route id, or 'FLOW:ROUTE' for one flow's route, "
        "-> alternative-specific constant (default 0), or another key of the table whose "
        "constant it takes (sim.scenario.route_constants)")
    window_days: float = Field(default=30.0, gt=0, le=3650,
                               description="learning window, days")
    min_observations: int = Field(default=20, ge=1, description="boxes needed before learned "
                                  "times replace the priors")
    requote_days: int = Field(default=1, ge=1, le=366, description="days between re-quotes: "
                              "a choice rests on what was known at the midnight that began "
                              "its period of this many days, counted from hour 0 (the "
                              "warm-up's first midnight): the times learned, the trains "
                              "under way, the sea's rate, the year's costs; 1: every midnight")
    nest_scale: float = Field(default=1.0, gt=0, le=1, description="nested_logit: the rail "
                              "nest's logsum scale mu (1: one logit over rail and sea)")
    value_of_time_usd_per_teu_day: float | None = Field(default=None, gt=0, le=10_000,
                                                        description="nested_logit: USD per "
                                                        "TEU-day (sim.scenario.nested_logit)")
    path_size: bool = Field(default=False, description="nested_logit: each rail route's "
                            "utility gets nest_scale x ln(path size), so routes sharing "
                            "their track count as one alternative, not several "
                            "(sim.scenario.path_size)")
    path_size_skips: list[Region] = Field(default_factory=list, description="regions whose "
                                          "rail network the model abstracts (one link per "
                                          "origin and crossing): their links are left out of "
                                          "the path sizes, which they would make look apart")
    source: str | None = None
