"""Micro-benchmarks of the hot path with pytest-benchmark (not part of `make test`):

    .venv/bin/python -m pytest benchmarks/test_bench_core.py --benchmark-only
"""

from pathlib import Path

import numpy as np
import pytest

from sim.engine.facilities.formation import schedule_departures
from sim.engine.facilities.rail import RailLine
from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Departure, Link

TOY = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "toy_chain.toml"


@pytest.fixture(scope="module")
def toy():
    return load_scenario(TOY, overrides={"horizon.end": "2024-12-31"})


def test_toy_chain_year(benchmark, toy):
    out = benchmark(lambda: Model(toy, seed=1).run())
    assert out.store.n > 40_000


def test_path_booking(benchmark):
    link = Link.model_validate({"from": "a", "to": "b", "length_km": 800,
                                "train_paths_per_day": 12,
                                "speed_km_per_day": {"dist": "constant", "value": 900}})
    times = np.cumsum(np.random.default_rng(0).exponential(1.5, 20_000)).tolist()

    def book_all():
        line = RailLine("ab", link, np.random.default_rng(0))
        for t in times:
            line.book(0, t, t)
    benchmark(book_all)


def test_origin_schedule(benchmark):
    ready = np.cumsum(np.random.default_rng(0).exponential(0.1, 50_000))
    rule = Departure(rule="full_or_max_wait", max_wait_h=24)
    plan = benchmark(lambda: schedule_departures(ready, rule, 55, np.inf))
    assert len(plan) > 800
