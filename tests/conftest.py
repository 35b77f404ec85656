from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.loading import load_scenario

HERE = Path(__file__).parent
TOY = HERE / "scenarios" / "toy.toml"
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture
def toy():
    return load_scenario(TOY)


def toy_with(**overrides):
    """The toy scenario with dotted-path overrides."""
    return load_scenario(TOY, overrides=overrides)
