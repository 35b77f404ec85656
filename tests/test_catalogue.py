"""Every scenario of the catalogue loads cleanly, is named after its file, extends another
and states its sources."""

from pathlib import Path

import pytest

from sim.config import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_loads_and_says_where_its_numbers_come_from(path):
    s = load_scenario(path)
    assert s.name == path.stem
    text = path.read_text(encoding="utf-8")
    if path.stem != "baseline":
        assert text.lstrip().startswith("#"), "a header saying what the scenario asks"
        assert "extends = " in text
    assert "corridor-facts" in text or "assumption" in text


def test_the_2030_scenarios_share_their_counterfactual_horizon():
    base = load_scenario(SCENARIOS[0].parent / "growth_2030.toml").horizon
    for p in SCENARIOS:
        s = load_scenario(p)
        if s.horizon.end.year == 2031:
            assert s.horizon == base, p.stem
