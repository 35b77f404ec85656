"""Every scenario of the catalogue loads cleanly, is named after its file, extends another,
states its sources, and runs with shippers choosing (the nested logit against the sea)."""

from pathlib import Path

import pytest

from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError

from .conftest import TOY

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_loads_and_says_where_its_numbers_come_from(path):
    s = load_scenario(path)
    assert s.name == path.stem
    text = path.read_text(encoding="utf-8")
    if path.stem != "baseline":
        assert text.lstrip().startswith("#"), "a header saying what the scenario asks"
        assert "extends = " in text
    assert "corridor-facts §" in text  # cites the fact sheet by section
    assert s.route_choice.model == "nested_logit" and s.sea_mode is not None


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_runs_its_first_month_with_the_choice(path):
    """Built whole, simulated through its warm-up's first 30 days: boxes choose and leave."""
    m = Model(load_scenario(path), seed=1)
    m.env.run(until=30 * 24.0)
    assert (m.store.t_created < 30 * 24.0).sum() > 10_000
    assert len(m.out.origin_trains) > 100


def test_the_2030_scenarios_share_their_counterfactual_horizon():
    base = load_scenario(SCENARIOS[0].parent / "growth_2030.toml").horizon
    for p in SCENARIOS:
        s = load_scenario(p)
        if s.horizon.end.year == 2031:
            assert s.horizon == base, p.stem


def test_a_child_without_a_name_is_named_after_its_file(tmp_path):
    import shutil
    shutil.copy(TOY, tmp_path / "toy.toml")
    (tmp_path / "my-variant.toml").write_text('extends = "toy.toml"\n', encoding="utf-8")
    assert load_scenario(tmp_path / "my-variant.toml").name == "my-variant"
    (tmp_path / "named.toml").write_text('extends = "toy.toml"\nname = "x"\n', encoding="utf-8")
    assert load_scenario(tmp_path / "named.toml").name == "x"


def test_timeline_entries_add_up_across_extends_and_keep_their_file(tmp_path):
    import shutil
    shutil.copy(TOY, tmp_path / "toy.toml")
    (tmp_path / "a.toml").write_text(
        'extends = "toy.toml"\n[[timeline]]\ndate = 2030-01-01\nclose = "gate"\ndays = 1\n',
        encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        'extends = "a.toml"\n[[timeline]]\ndate = 2024-01-10\nclose = "gat"\ndays = 1\n',
        encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_scenario(tmp_path / "b.toml")
    lines = str(e.value).splitlines()
    assert lines[0].endswith("a.toml: timeline[0].date: 2030-01-01 is outside the simulated "
                             "span 2023-12-22 .. 2024-03-01 (warm-up included, end excluded)")
    # each entry under the number its own file gives it (b's first is timeline[0], though
    # a's entry comes before it in the timeline they make)
    assert lines[1].endswith("b.toml: timeline[0].close: unknown facility 'gat' (did you "
                             "mean 'gate'?)")
    # a --set that replaces the timeline takes the blame for it
    with pytest.raises(ConfigError, match=r"\Aerror: --set: timeline\[0\]\.close: unknown "
                       r"facility 'gatee' \(did you mean 'gate'\?\)\Z"):
        load_scenario(tmp_path / "b.toml",
                      set_args=['timeline=[{date=2024-01-10, close="gatee", days=1}]'])


def test_route_ids_may_not_be_corridor_names():
    with pytest.raises(ConfigError, match=r"routes\.northern: id 'northern' is also the name "
                       r"of a corridor or a KPI scope; route KPIs would be confused with it "
                       r"\(use e\.g\. 'northern_1'\)"):
        load_scenario(TOY, overrides={"routes.northern": {"corridor": "northern",
                                                          "path": ["gate"]}})
