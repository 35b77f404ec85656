"""Weather as data: one storm process per sea, and each port's exposure to it.

A sea's storms start as one Poisson process whose daily rate follows the calendar
months (``storms_per_year`` and ``seasonality``); each storm lasts a drawn time
(``duration_h``) and blows from one wind sector, drawn with the sea's ``sectors``
shares. A port on that sea names the sectors whose storms close it (its ``exposure``)
and a ``duration_factor`` (a sheltered port reopens sooner: < 1). A storm therefore
closes every port exposed to its sector at the same hour, each for the storm's duration
times its own factor, so the joint closures of two ports follow from the model and are
not drawn separately.

With Poisson storms and overlapping closures merged, the share of the time a port is
closed in a steady season is ``1 - exp(-rate x share of its sectors x factor x mean
duration)`` (an M/G/infinity system is busy with that probability).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import Field, field_validator

from sim.scenario.basics import Months, monthly_profile
from sim.scenario.basics import Strict as _Strict
from sim.scenario.distributions import Distribution

if TYPE_CHECKING:
    from sim.scenario.schema import Node, Scenario

# the eight compass sectors winds are reported by, clockwise from north
Sector = Literal["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
SECTORS: tuple[str, ...] = get_args(Sector)


class SeaWeather(_Strict):
    """The storms of one sea: a Poisson process of storms with a monthly profile, each
    with a duration and a wind sector."""

    storms_per_year: float = Field(gt=0, le=365, description="mean storms starting per "
                                   "year (of all sectors)")
    seasonality: Months = Field(default_factory=lambda: [1.0] * 12,
                                description="monthly weights Jan..Dec, mean 1: "
                                "when in the year storms start")
    duration_h: Distribution = Field(description="how long one storm blows (closes a port "
                                     "of duration_factor 1), hours")
    sectors: dict[str, float] = Field(min_length=1, description="wind sector (N, NE, E, SE, "
                                      "S, SW, W, NW) -> share of the storms from it; shares "
                                      "sum to 1")
    source: str | None = None

    @field_validator("seasonality")
    @classmethod
    def _season(cls, v: list[float]) -> list[float]:
        return monthly_profile(v, "weights")

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in v if k not in SECTORS]
        if unknown:
            raise ValueError(f"unknown wind sector {', '.join(map(repr, unknown))} (allowed: "
                             f"{', '.join(SECTORS)})")
        bad = [k for k, x in v.items() if not x >= 0]
        if bad:
            raise ValueError(f"sector shares must be >= 0 (negative: {', '.join(bad)})")
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"sector shares must sum to 1 (they sum to {total:g})")
        return v

    def shares(self) -> list[float]:
        """The share of each sector of :data:`SECTORS`, in that order (0 when not given)."""
        return [self.sectors.get(k, 0.0) for k in SECTORS]

    def rate_of(self, sectors: Sequence[str]) -> float:
        """Mean storms per year from any of ``sectors``."""
        return self.storms_per_year * sum(self.sectors.get(k, 0.0) for k in set(sectors))


class Sea(_Strict):
    """A sea the ports lie on, and what is known of it."""

    weather: SeaWeather | None = Field(None, description="its storms (ports declare their "
                                       "exposure to them)")
    source: str | None = None


class Exposure(_Strict):
    """Which of its sea's storms close a port, and for how long."""

    sectors: list[Sector] = Field(description="wind sectors whose storms close the port "
                                  "(empty: the sea's storms never close it)")
    duration_factor: float = Field(1.0, gt=0, le=10, description="a storm closes the port "
                                   "for its duration times this (< 1: a sheltered port "
                                   "reopens sooner)")
    source: str | None = None

    @field_validator("sectors")
    @classmethod
    def _once(cls, v: list[str]) -> list[str]:
        twice = sorted({k for k in v if v.count(k) > 1})
        if twice:
            raise ValueError(f"sector {', '.join(map(repr, twice))} named twice")
        return v


def exposed_ports(nodes: Mapping[str, Node], seas: Mapping[str, Sea]) -> dict[str, str]:
    """Ports that their sea's storms may close (an exposure to at least one sector that
    storms come from) -> their sea."""
    out: dict[str, str] = {}
    for nid, n in nodes.items():
        port = n.port
        if port is None or port.exposure is None:
            continue
        sea = seas.get(port.sea)
        weather = sea.weather if sea is not None else None
        if weather is not None and weather.rate_of(port.exposure.sectors) > 0:
            out[nid] = port.sea
    return out


def weather_lines(s: Scenario) -> list[str]:
    """The ``corridor check`` summary of the seas' weather: one line per sea with
    weather, then each port's exposure."""
    out = []
    for name, sea in s.seas.items():
        w = sea.weather
        if w is None:
            continue
        shares = ", ".join(f"{k} {x:g}" for k, x in zip(SECTORS, w.shares()) if x > 0)
        out.append(f"  weather   {name}: {w.storms_per_year:g} storms/yr x "
                   f"{w.duration_h.mean:.0f} h ({shares})")
        for nid, n in s.nodes.items():
            exp = n.port.exposure if n.port is not None and n.port.sea == name else None
            if exp is None:
                continue
            what = (f"{'/'.join(exp.sectors)} x {exp.duration_factor:g}, "
                    f"{w.rate_of(exp.sectors):.1f} storms/yr close it" if exp.sectors
                    else "not exposed")
            out.append(f"    {nid:22s} {what}")
    return out
