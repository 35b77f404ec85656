"""The costs file of an appraisal (``corridor appraise --costs FILE``) as data: the
appraisal's conventions (price and discount base years, period, discount rate, what
happens after the simulated horizon), the unit values that turn the model's outputs into
money (value of time, carbon price, operators' margin) and the dated capital and
operating cost items, each with its source.

:func:`load_costs` reads and checks a file: every problem at once, one line each
(``error: FILE: dotted.path: what is wrong (allowed / did you mean ...)``), a wrong type
with an example of the form expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.scenario.loading import read_data_file
from sim.scenario.problems import ConfigError, Problem

YEAR_MIN, YEAR_MAX = 2000, 2150


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _source():
    return Field(min_length=1, description="where the figure comes from (a fact sheet's "
                 "section, or 'assumption: why')")


class Discount(_Strict):
    """The discount rate and the convention it follows."""

    rate: float = Field(ge=0, le=0.5, description="real discount rate per year (0.05 = 5 %)")
    source: str = _source()

    @field_validator("rate", mode="before")
    @classmethod
    def _a_fraction(cls, v: object) -> object:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 50:
            raise ValueError(f"is a fraction a year: {v / 100:g} for {v:g} % (got {v:g})")
        return v


class Appraisal(_Strict):
    """The period and conventions of the appraisal."""

    price_year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="all amounts are in "
                            "constant prices of this year (stated, not converted)")
    base_year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="cash flows are "
                           "discounted to 1 January of this year: factor (1 + rate)^-(year "
                           "- base_year)")
    first_year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="first year of the "
                            "appraisal period")
    period_years: int = Field(ge=1, le=100, description="length of the appraisal period, "
                              "years (first_year .. first_year + period_years - 1)")
    beyond_horizon: Literal["hold_last", "none"] = Field(
        "hold_last", description="benefits of the years after the last simulated year: "
        "'hold_last' holds each replication's last simulated year, 'none' counts nothing")
    discount: Discount

    @property
    def last_year(self) -> int:
        return self.first_year + self.period_years - 1

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class ValueOfTime(_Strict):
    """What a TEU-day of transit is worth to its shipper."""

    usd_per_teu_day: float = Field(ge=0, le=100_000, description="USD per TEU-day")
    source: str = _source()


class Carbon(_Strict):
    """The price of a tonne of CO2e, and (optionally) the sea's CO2e per TEU for the
    boxes the project takes from the sea or gives to it."""

    usd_per_t: float = Field(ge=0, le=10_000, description="USD per tonne CO2e")
    sea_kg_per_teu: float | None = Field(None, ge=0, le=10_000, description="CO2e of a "
                                         "TEU by sea, China -> Europe (none: the sea's "
                                         "emissions are not counted)")
    source: str = _source()


class Margin(_Strict):
    """The corridor operators' margin on a TEU they gain or lose: tariff less the
    costs that vary with the boxes (fixed costs are cost items)."""

    usd_per_teu: float = Field(ge=0, le=100_000, description="USD per TEU")
    corridors: list[str] = Field(min_length=1, description="the corridors whose TEU "
                                 "count (routes.X.corridor of the scenarios)")
    source: str = _source()


class Benefits(_Strict):
    """Which benefits the appraisal counts (all by default)."""

    time: bool = True
    shipper_cost: bool = True
    co2e: bool = True
    margin: bool = True
    transit: Literal["delivered", "departed"] = Field(
        default="delivered", description="how a year's transit time is read for the time saved: "
        "'delivered' (transit_time_days_mean: the boxes delivered in the year) or "
        "'departed' (transit_time_days_km: the boxes that left their origin in the year, "
        "as the TEU that weigh it, those still under way at the end counted by "
        "Kaplan-Meier)")

    @property
    def transit_kpi(self) -> str:
        return ("transit_time_days_mean" if self.transit == "delivered"
                else "transit_time_days_km")


class CostItem(_Strict):
    """A dated capital cost and the operating cost that follows it."""

    name: str = Field(min_length=1)
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="year the capital is spent")
    capex_usd: float = Field(ge=0, le=1e12, description="capital cost, USD")
    opex_usd_per_year: float = Field(0.0, ge=0, le=1e11, description="fixed operating "
                                     "cost, USD a year")
    opex_from: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="first "
                                  "year of operating cost (default: the year after 'year')")
    lifetime_years: int | None = Field(None, ge=1, le=200, description="service life: "
                                       "operating cost stops after it, and the life left "
                                       "at the end of the period is a residual value "
                                       "(straight line)")
    source: str = _source()

    @property
    def opex_first(self) -> int:
        return self.year + 1 if self.opex_from is None else self.opex_from

    @property
    def end_of_life(self) -> int | None:
        """Last year of service (None: beyond any period)."""
        return None if self.lifetime_years is None else self.year + self.lifetime_years


class CostsFile(_Strict):
    """A costs file: conventions, unit values and cost items."""

    name: str | None = None
    description: str | None = None
    appraisal: Appraisal
    value_of_time: ValueOfTime
    carbon: Carbon
    margin: Margin
    benefits: Benefits = Field(default_factory=Benefits)
    items: list[CostItem] = Field(min_length=1, description="capital and operating cost "
                                  "items ([[items]])")


# the form each field expects, for the error of a wrong type
EXAMPLES = {
    "rate": "rate = 0.05", "price_year": "price_year = 2024", "base_year": "base_year = 2025",
    "first_year": "first_year = 2025", "period_years": "period_years = 30",
    "usd_per_teu_day": "usd_per_teu_day = 179", "usd_per_t": "usd_per_t = 63",
    "sea_kg_per_teu": "sea_kg_per_teu = 1669", "usd_per_teu": "usd_per_teu = 144",
    "corridors": 'corridors = ["middle_corridor"]', "year": "year = 2026",
    "capex_usd": "capex_usd = 80.7e6", "opex_usd_per_year": "opex_usd_per_year = 2.4e6",
    "opex_from": "opex_from = 2028", "lifetime_years": "lifetime_years = 40",
    "items": '[[items]] with name, year, capex_usd and source', "source": 'source = "..."',
    "name": 'name = "..."', "discount": "[appraisal.discount] with rate and source",
    "appraisal": "[appraisal] with price_year, base_year, first_year, period_years",
}


def load_costs(path: str | Path) -> tuple[CostsFile, str]:
    """Read and check a costs file: (the file, its name as shown); ConfigError with one
    line per problem."""
    try:
        costs, shown = read_data_file(path, CostsFile, (costs_problems,),
                                      ("items", "margin.corridors"))
    except ConfigError as e:
        raise ConfigError([_with_example(p) for p in e.problems]) from None
    problems = costs_problems(costs, shown)
    if problems:
        raise ConfigError(problems)
    return costs, shown


def _with_example(p: Problem) -> Problem:
    """A type error with an example of the form expected."""
    if not p.message.startswith("expected"):
        return p
    key = p.path.rsplit(".", 1)[-1].split("[")[0]
    example = EXAMPLES.get(key)
    # (in place of the schema's generic example, when this file has a better one)
    message = p.message.split("; write e.g. ")[0]
    return Problem(p.file, p.path, f"{message}; write e.g. {example}") if example else p


def costs_problems(costs: CostsFile, shown: str) -> list[Problem]:
    """The cross-field rules: every dated year within the appraisal period, names once."""
    a = costs.appraisal
    span = f"{a.first_year}-{a.last_year}"
    problems = []
    if not a.first_year <= a.base_year <= a.last_year:
        problems.append(Problem(shown, "appraisal.base_year", f"{a.base_year} is outside "
                                f"the appraisal period {span} (discount to a year of it)"))
    seen: dict[str, int] = {}
    for i, it in enumerate(costs.items):
        if it.name in seen:
            problems.append(Problem(shown, f"items[{i}].name", f"'{it.name}' is also "
                                    f"items[{seen[it.name]}] (give each item its own name)"))
        seen.setdefault(it.name, i)
        if not a.first_year <= it.year <= a.last_year:
            problems.append(Problem(shown, f"items[{i}].year", f"{it.year} is outside the "
                                    f"appraisal period {span} (move the item or the period)"))
        if it.opex_from is not None and not it.year <= it.opex_from <= a.last_year:
            problems.append(Problem(shown, f"items[{i}].opex_from", f"{it.opex_from} is "
                                    f"outside {it.year}-{a.last_year} (from the item's year "
                                    "to the end of the period)"))
    for i, c in enumerate(costs.margin.corridors):
        if costs.margin.corridors.index(c) != i:
            problems.append(Problem(shown, f"margin.corridors[{i}]", f"'{c}' is listed twice"))
    return problems
