"""Sea weather: each sea's storms drawn once per replication, and the closures they
impose on the ports exposed to them.

A sea's storms are drawn up front from the sea's own stream (``weather``, element
``sea:NAME``): a Poisson count of storm starts per day at the rate of the sea's monthly
profile, a uniform hour within the day, a duration and a wind sector each. A port exposed
to a storm's sector is closed from the storm's start for its duration times the port's
``duration_factor``; the caller merges a port's closures with its own disruptions, and
they then act exactly as timeline closures do. Ports exposed to the same sectors with the
same factor therefore close together, hour for hour.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from sim.engine.facilities.demand import spread_over_days
from sim.engine.randomness import stream
from sim.scenario.schema import Scenario
from sim.scenario.weather import SECTORS, Exposure, SeaWeather, exposed_ports


class Storms(NamedTuple):
    """The storms of one sea in one replication, in order of their start."""

    start_h: np.ndarray     # hours from midnight of the first simulated day
    duration_h: np.ndarray  # how long each blows, hours
    sector: np.ndarray      # index of its wind sector in SECTORS


def sea_storms(weather: SeaWeather, rng: np.random.Generator, first_day: dt.date,
               n_days: int) -> Storms:
    """Draw one sea's storms from midnight of ``first_day`` for ``n_days`` days."""
    rates = spread_over_days(lambda _y: weather.storms_per_year, weather.seasonality,
                             first_day, n_days)
    counts = rng.poisson(rates)
    n = int(counts.sum())
    if not n:
        return Storms(np.empty(0), np.empty(0), np.empty(0, np.int64))
    starts = np.sort(np.repeat(np.arange(n_days) * 24.0, counts) + rng.uniform(0, 24, n))
    length = np.asarray(weather.duration_h.sample(rng, n), float)
    shares = np.asarray(weather.shares())
    sector = rng.choice(len(SECTORS), size=n, p=shares / shares.sum())
    return Storms(starts, length, sector.astype(np.int64))


def port_closures(storms: Storms, exposure: Exposure) -> list[tuple[float, float]]:
    """(start, end) hours of the closures of a port with ``exposure`` by ``storms``
    (not merged: storms that overlap give overlapping closures)."""
    hit = np.isin(storms.sector, [SECTORS.index(k) for k in exposure.sectors])
    start = storms.start_h[hit]
    end = start + storms.duration_h[hit] * exposure.duration_factor
    return list(zip(start.tolist(), end.tolist()))


def weather_closures(scenario: Scenario, seed: int, replication: int, first_day: dt.date,
                     n_days: int) -> dict[str, list[tuple[float, float]]]:
    """Port id -> its closures by its sea's storms (ports some storm may close only),
    each sea's storms drawn once from its own stream."""
    ports = exposed_ports(scenario.nodes, scenario.seas)
    storms: dict[str, Storms] = {}
    for sea in sorted(set(ports.values())):
        weather = scenario.seas[sea].weather
        assert weather is not None  # exposed_ports keeps ports on seas with weather
        rng = stream(seed, "weather", replication, f"sea:{sea}")
        storms[sea] = sea_storms(weather, rng, first_day, n_days)
    out = {}
    for nid, sea in ports.items():
        port = scenario.nodes[nid].port
        assert port is not None and port.exposure is not None
        out[nid] = port_closures(storms[sea], port.exposure)
    return out
