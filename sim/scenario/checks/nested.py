"""Rules on the nested logit against the sea (``route_choice.model = "nested_logit"``,
:mod:`sim.scenario.nested_logit`) and its ``[sea_mode]`` table (:mod:`sim.scenario.sea_mode`)."""

from __future__ import annotations

from typing import get_args

from sim.scenario.checks.elements import Found
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Region, Scenario


def sea_mode(s: Scenario) -> Found:
    """The sea's rates are in date order, one per date, the first holding from the
    horizon's start; its regions exist."""
    sm = s.sea_mode
    if sm is None:
        return
    regions = get_args(Region)
    for field in ("origin_regions", "destination_regions"):
        for i, r in enumerate(getattr(sm, field)):
            if r not in regions:
                yield f"sea_mode.{field}[{i}]", (f"unknown region '{r}' "
                                                 f"({did_you_mean(r, regions)})")
    first = sm.rates[0].date
    if first > s.horizon.start:
        yield "sea_mode.rates[0].date", (f"{first} is after the horizon's start "
                                        f"{s.horizon.start}; the first rate must hold from it")
    for i in range(1, len(sm.rates)):
        prev, d = sm.rates[i - 1].date, sm.rates[i].date
        if d <= prev:
            yield f"sea_mode.rates[{i}].date", (f"{d} is not after the previous rate's {prev} "
                                               f"(rates in date order, one per date)")


def nested_logit(s: Scenario) -> Found:
    """The nested logit has what it needs: the rail routes' costs, the sea, a value of
    time, a cost that counts; its own fields are set only with it."""
    rc = s.route_choice
    if rc.model != "nested_logit":
        # set but unused: the scenario would silently run another model than it reads
        if rc.nest_scale != 1.0:
            yield "route_choice.nest_scale", (f"only used with model = 'nested_logit' "
                                              f"(the model is '{rc.model}')")
        if rc.value_of_time_usd_per_teu_day is not None:
            yield "route_choice.value_of_time_usd_per_teu_day", (
                f"only used with model = 'nested_logit' (the model is '{rc.model}')")
        if rc.path_size:
            yield "route_choice.path_size", (f"only used with model = 'nested_logit' (the "
                                             f"model is '{rc.model}')")
        return
    if rc.path_size_skips and not rc.path_size:
        yield "route_choice.path_size_skips", "only used with path_size = true"
    if rc.tariff_per_kusd == 0:
        yield "route_choice.tariff_per_kusd", (
            "nested_logit needs a cost coefficient < 0: at 0 neither the cost nor the time "
            "(valued through it) would count")
    if s.costs is None:
        yield "route_choice.model", ("nested_logit needs a [costs] table (the rail "
                                     "routes' tariffs per FEU)")
    if s.sea_mode is None:
        yield "route_choice.model", "nested_logit needs a [sea_mode] table (the sea alternative)"
    if rc.value_of_time_usd_per_teu_day is None:
        yield "route_choice.value_of_time_usd_per_teu_day", ("nested_logit needs a value of "
                                                             "time (USD per TEU-day, > 0)")
