"""Background traffic: the other trains, wagons, boxes and ships that share the modelled
corridor's lines, ports, crossings and vessels, given as data.

Background traffic is not tracked unit by unit. Each field of this type is a daily count
(trains, railcars, TEU, vessel calls, ...; the field's name carries the unit) whose mean
follows the calendar months and grows by year; the engine draws one count per day (or per
sailing) and loads the shared resource with it. Every figure cites a source or says
``assumption`` with a reason, like the rest of a scenario.
"""

from __future__ import annotations

import calendar as _calendar
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from sim.scenario.basics import Months, monthly_profile
from sim.scenario.basics import Strict as _Strict
from sim.scenario.distributions import Distribution


class Background(_Strict):
    """A daily count of other traffic on a shared resource.

    The mean per day is ``per_day`` in ``base_year`` (or ``per_day_by_year`` in a year
    given there), grown by ``growth_per_year`` from the nearest year given before (else
    back from the earliest given after), and shaped over the months by ``seasonality``
    so that a year's expected total is exact. Each day's count is Poisson around that
    mean; ``cv`` > 0 adds day-to-day variation beyond Poisson (a gamma-mixed Poisson,
    i.e. negative binomial, whose mean is unchanged)."""

    per_day: float = Field(ge=0, le=1_000_000, description="mean units per day in base_year "
                           "(the unit is named by the field that holds this table)")
    base_year: int = Field(ge=1990, le=2100, description="year in which per_day holds")
    growth_per_year: float = Field(0.0, gt=-1, le=5, description="fractional yearly growth "
                                   "(0.05 = +5 %/yr)")
    per_day_by_year: dict[int, Annotated[float, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, description="mean units per day in particular calendar years, "
        "where known")
    seasonality: Months = Field(default_factory=lambda: [1.0] * 12,
                                description="monthly weights Jan..Dec, mean 1")
    cv: float = Field(0.0, ge=0, le=3, description="day-to-day coefficient of variation of "
                      "the mean beyond Poisson (0: Poisson counts)")
    source: str | None = None

    @field_validator("seasonality")
    @classmethod
    def _season(cls, v: list[float]) -> list[float]:
        return monthly_profile(v, "weights")

    def mean_per_day(self, year: int) -> float:
        """Mean units per day over calendar ``year``."""
        known = {self.base_year: self.per_day, **self.per_day_by_year}
        if year in known:
            return known[year]
        before = [y for y in known if y < year]
        anchor = max(before) if before else min(known)
        return known[anchor] * (1.0 + self.growth_per_year) ** (year - anchor)

    def per_year(self, year: int) -> float:
        """Expected units in calendar ``year``."""
        days = 366 if _calendar.isleap(year) else 365
        return self.mean_per_day(year) * days


class HandlingTraffic(_Strict):
    """Background trains at a transfer facility (a crossing, a port's rail side, a dry
    port): other trains received per day, each taking a receiving track and, for its
    crane moves, a crane gang, as a modelled train does, but carrying no modelled boxes
    (e.g. the China <-> Russia container transit at Dostyk, grain trains in season)."""

    background_trains: Background | None = Field(None, description="other trains "
                                                 "received per day, both directions "
                                                 "together, trains")
    background_moves_per_train: float = Field(0.0, ge=0, le=1000, description="crane "
                                               "moves per background train, charged at "
                                               "crane_moves_per_h (0: not worked by the "
                                               "cranes)")
    background_track_h: float = Field(0.0, ge=0, le=240, description="hours a background "
                                      "train holds its receiving track after its crane "
                                      "work (formalities, locomotive change, pick-up)")

    @model_validator(mode="after")
    def _background_train_work(self):
        if self.background_trains is None:
            given = [f for f in ("background_moves_per_train", "background_track_h")
                     if getattr(self, f) > 0]
            if given:
                raise ValueError(f"{' and '.join(given)} given without background_trains "
                                 "(trains per day)")
        elif self.background_moves_per_train == 0 and self.background_track_h == 0:
            raise ValueError("background_trains need background_moves_per_train or "
                             "background_track_h > 0 (else they take no time at all)")
        return self


class PortTraffic(_Strict):
    """Background traffic at a port besides its trains: other containers through the yard,
    other vessel calls taking a berth, and other cargo in tonnes (reported only)."""

    background_teu: Background | None = Field(None, description="other containers "
                                              "through the yard per day, TEU (one batch a "
                                              "day)")
    background_dwell_h: Distribution | None = Field(None, description="hours a day's "
                                                    "background TEU stay in the yard")
    background_moves_per_teu: float = Field(0.0, ge=0, le=10, description="crane moves "
                                            "charged to the rail-side crane gangs per "
                                            "background TEU (0: handled by other "
                                            "equipment)")
    background_vessel_calls: Background | None = Field(None, description="other vessel "
                                                       "calls per day taking one of the "
                                                       "port's berths, calls")
    background_berth_h: Distribution | None = Field(None, description="hours a background "
                                                    "vessel call holds its berth")
    background_tonnes: Background | None = Field(None, description="other cargo through "
                                                 "the port per day, tonnes, reported "
                                                 "only (the background TEU's cargo "
                                                 "included)")

    @model_validator(mode="after")
    def _background_pairs(self):
        pairs = (("background_teu", "background_dwell_h"),
                 ("background_vessel_calls", "background_berth_h"))
        for a, b in pairs:
            if (getattr(self, a) is None) != (getattr(self, b) is None):
                have, need = (a, b) if getattr(self, b) is None else (b, a)
                raise ValueError(f"{have} needs {need}")
        if self.background_teu is None and self.background_moves_per_teu > 0:
            raise ValueError("background_moves_per_teu given without background_teu")
        return self
