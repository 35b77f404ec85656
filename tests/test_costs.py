"""Cost and CO2e per box: the hand-worked toy route (tests/scenarios/toy_costs.toml: rail
in four countries, one crossing, two ports, one ferry passage), dated rates, the KPIs
against the route function, off by default, and every bad costs table one line per
problem."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.engine.model import Model
from sim.measure.costs import KPIS as COST_KPIS
from sim.measure.costs import box_costs
from sim.measure.kpis import compute
from sim.scenario.leg_costs import (
    LegCost,
    route_co2e_kg_per_teu,
    route_cost_usd_per_feu,
    route_legs,
)
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.summary import describe

from .conftest import expect_errors

HERE = Path(__file__).parent / "scenarios"
TOY_COSTS = HERE / "toy_costs.toml"
TOY_SEA = HERE / "toy_sea.toml"


def _run(path: Path, seed: int = 3, **overrides):
    s = load_scenario(path, overrides=overrides or None)
    out = Model(s, seed=seed).run()
    return s, out, compute(out)


# ------------------------------------------------------------------ the hand-worked route

def test_the_toy_route_leg_by_leg_as_worked_by_hand():
    s = load_scenario(TOY_COSTS)
    legs = route_legs(s, "west", "sea", 2024)
    # (leg, element, country, km, USD per FEU, kg CO2e per TEU at 10 t per TEU)
    want = [("rail", "alpha_gate", "CN", 2000, 1000, 400),
            ("crossing", "gate", None, 0, 150, 0),
            ("rail", "gate_west", "KZ", 2000, 480, 441.6),  # 0.4*0.027*800 + 0.6*22.4 g/tkm
            ("port", "west", None, 0, 200, 0),
            ("sea", "ferry", None, 500, 1200, 1000),
            ("port", "east", None, 0, 250, 0),
            ("rail", "east_omega", "AZ", 1000, 400, 300),
            ("rail", "east_omega", "PL", 1000, 300, 100)]
    assert len(legs) == len(want)
    for leg, w in zip(legs, want):
        assert (leg.leg, leg.element, leg.country) == w[:3]
        assert (leg.km, leg.usd_per_feu, leg.co2e_kg_per_teu) == pytest.approx(w[3:])
    assert route_cost_usd_per_feu(s, "west", "sea", 2024) == pytest.approx(3980)
    assert route_co2e_kg_per_teu(s, "west", "sea") == pytest.approx(2241.6)


def test_dated_rates_switch_at_their_year():
    s = load_scenario(TOY_COSTS)
    # KZ 0.20 before 2024, 0.24 from 2024; the ferry 1,200, 1,500 from 2025
    assert route_cost_usd_per_feu(s, "west", "sea", 2023) == pytest.approx(3900)
    assert route_cost_usd_per_feu(s, "west", "sea", dt.date(2024, 12, 31)) == pytest.approx(3980)
    assert route_cost_usd_per_feu(s, "west", "sea", dt.date(2025, 1, 1)) == pytest.approx(4280)
    assert route_cost_usd_per_feu(s, "west", "sea", 2030) == pytest.approx(4280)
    # the route's elements made once and priced in each year: the same costs, exactly
    from sim.scenario.leg_costs import route_elements
    elements = route_elements(s, "west", "sea")
    assert [(e.leg, e.element) for e in elements][:3] == [
        ("rail", "alpha_gate"), ("crossing", "gate"), ("rail", "gate_west")]
    for year in (2023, 2024, 2025, 2030):
        assert route_cost_usd_per_feu(s, "west", "sea", year, elements) == \
            route_cost_usd_per_feu(s, "west", "sea", year)


def test_co2e_scales_with_the_flows_tonnes_and_a_ferrys_wagon_tare():
    s = load_scenario(TOY_COSTS, overrides={"demand.flows.west.tonnes_per_teu": 15.0,
                                            "costs.services.ferry.tare_t_per_feu": 20.0})
    # every leg here is per tonne-km: 2,241.6 x 1.5, and the ferry's 20 t per FEU adds
    # 10 t per TEU x 500 km x 200 g = 1,000 kg
    assert route_co2e_kg_per_teu(s, "west", "sea") == pytest.approx(2241.6 * 1.5 + 1000)
    s2 = load_scenario(TOY_COSTS, overrides={
        "demand.flows.west.tonnes_per_teu": 15.0,
        "costs.services.ferry": {"usd_per_feu": 1200, "distance_km": 500,
                                 "co2e_g_per_teu_km": 1000}})
    # a per-TEU-km intensity does not scale with tonnes: 500 kg for the passage
    assert route_co2e_kg_per_teu(s2, "west", "sea") == pytest.approx(
        (2241.6 - 1000) * 1.5 + 500)


# ------------------------------------------------------------------------------- KPIs

def test_kpis_of_the_toy_route_are_the_hand_worked_figures():
    # warm-up and horizon inside 2024: every box pays the 2024 rates
    s, out, K = _run(TOY_COSTS, **{"horizon.start": "2024-02-01",
                                   "horizon.end": "2024-04-01"})
    for scope in ("sea", "middle_corridor"):
        assert K[("cost_usd_per_feu_mean", "2024", scope)] == pytest.approx(3980)
        assert K[("co2e_kg_per_teu_mean", "2024", scope)] == pytest.approx(2241.6)
    st = out.store
    cal = out.calendar
    done = (st.t_delivered >= cal.start_h) & (st.t_delivered < cal.end_h)
    teu = float(st.teu[done].sum())
    assert teu > 1000
    assert K[("co2e_t_total", "2024", "all")] == pytest.approx(2241.6 * teu / 1000)
    assert K[("co2e_t_total", "2024", "middle_corridor")] == pytest.approx(
        K[("co2e_t_total", "2024", "all")])
    assert np.isnan(K[("cost_usd_per_feu_mean", "2024", "main")])  # a route nobody takes
    # a box's cost scales with its TEU: 20 ft boxes pay half
    cost, co2e = box_costs(out, np.arange(st.n))
    left = st.route >= 0
    teu_left = st.teu[left].astype(float)
    assert set(teu_left) == {1.0, 2.0}
    np.testing.assert_allclose(cost[left], 3980 * teu_left / 2)
    np.testing.assert_allclose(co2e[left], 2241.6 * teu_left)
    assert np.isnan(cost[~left]).all()


def test_kpis_agree_with_the_route_function_across_a_rate_change():
    """Two years: a box pays the rates of the year it left its origin, so 2025's mean
    mixes boxes that left in 2024 (3,980) with those that left in 2025 (4,280)."""
    # (a lighter flow than the toy's, so that boxes leaving in January arrive in it)
    s, out, K = _run(TOY_COSTS, **{"horizon.start": "2024-12-01",
                                   "horizon.end": "2025-02-01",
                                   "demand.flows.west.containers_per_year": 15000})
    st, cal = out.store, out.calendar
    assert K[("cost_usd_per_feu_mean", "2024", "sea")] == pytest.approx(3980)
    fid, rid = out.flow_ids[0], "sea"
    rows = np.flatnonzero((st.t_delivered >= cal.hours(dt.date(2025, 1, 1)))
                          & (st.t_delivered < cal.end_h))
    days = [cal.t0 + dt.timedelta(hours=float(h)) for h in st.t_depart_origin[rows]]
    usd = sum(route_cost_usd_per_feu(s, fid, rid, d) * st.teu[i] / 2
              for d, i in zip(days, rows))
    feu = st.teu[rows].sum() / 2
    mean = K[("cost_usd_per_feu_mean", "2025", "sea")]
    assert mean == pytest.approx(usd / feu)
    assert 3980 < mean < 4280          # both kinds of box are there
    assert any(d.year == 2024 for d in days) and any(d.year == 2025 for d in days)


def test_off_by_default_and_costs_change_nothing_else():
    _, _, plain = _run(TOY_SEA)
    _, _, costed = _run(TOY_COSTS)
    assert not {k for k in plain if k[0] in COST_KPIS}
    assert {k[0] for k in costed if k[0] in COST_KPIS} == set(COST_KPIS)
    rest = {k: v for k, v in costed.items() if k[0] not in COST_KPIS}
    assert rest.keys() == plain.keys()
    for k, v in plain.items():
        assert rest[k] == v or (np.isnan(v) and np.isnan(rest[k])), k


# ------------------------------------------------------------------------ bad tables

@pytest.fixture
def scen(tmp_path, monkeypatch):
    for name in ("toy.toml", "toy_sea.toml", "toy_costs.toml"):
        shutil.copy(HERE / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)

    def write(text: str) -> Path:
        p = Path("child.toml")
        p.write_text(text, encoding="utf-8")
        return p
    return write


def expect(path: Path, *lines: str) -> None:
    expect_errors(path, lines)


def _costs_without(*sections: str) -> str:
    """toy_costs.toml as a child of toy_sea.toml without the named [costs...] tables."""
    text = (HERE / "toy_costs.toml").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=\[)", text)
    keep = [b for b in blocks if not any(b.startswith(f"[{s}]") for s in sections)]
    return "\n".join(keep)


def test_schema_bounds_and_shapes_one_line_each(scen):
    p = scen('extends = "toy_costs.toml"\n'
             "[costs.rail.CN]\nusd_per_feu_km = -1\n"
             "[costs.rail.DE]\nusd_per_feu_km = 1\nelectric_share = 0.5\n"
             "[costs.rail.RU]\nusd_per_feu_km = 1\n"
             "[costs.rail.KZ]\nco2e_g_per_tkm = 20\n"
             "[costs.services.ferry]\nco2e_g_per_teu_km = 3\n"
             "[costs.services.other]\nusd_per_feu = 1\nco2e_g_per_tkm = 3\n"
             "[costs.links.east_omega]\ncountry_shares = { AZ = 0.5, PL = 0.4 }\n"
             "[costs.ports.west]\nusd_per_feu = -5\n")
    expect(p,
           "costs.rail.CN.usd_per_feu_km: must be >= 0 (got -1)",
           "costs.rail.KZ: give co2e_g_per_tkm or the traction mix, not both (drop "
           "electric_share, kwh_per_tkm, grid_g_per_kwh, diesel_g_per_tkm)",
           "costs.rail.DE: electric_share 0.5 needs kwh_per_tkm and grid_g_per_kwh and "
           "diesel_g_per_tkm",
           "costs.rail.RU: give co2e_g_per_tkm (grams per tonne-km), or electric_share "
           "with what each traction needs",
           "costs.ports.west.usd_per_feu: must be >= 0 (got -5)",
           "costs.services.ferry: give exactly one of co2e_g_per_teu_km and co2e_g_per_tkm",
           "costs.services.other.distance_km: required field is missing",
           "costs.links.east_omega: country_shares must sum to 1 (they sum to 0.9)")


def test_entries_naming_what_is_not_there(scen):
    p = scen('extends = "toy_costs.toml"\n'
             "[costs.rail.XX]\nusd_per_feu_km = 1\nco2e_g_per_tkm = 3\n"
             "[costs.crossings.west]\nusd_per_feu = 1\n"
             "[costs.ports.gate]\nusd_per_feu = 1\n"
             "[costs.ports.eats]\nusd_per_feu = 1\n"
             "[costs.services.fery]\nusd_per_feu = 1\ndistance_km = 5\nco2e_g_per_tkm = 3\n"
             "[costs.links.alpha_gat]\ncountry_shares = { CN = 1 }\n"
             "[costs.links.gate_omega]\ncountry_shares = { RU = 1 }\n")
    expect(p,
           "costs.rail.XX: no node is in country 'XX' and no costs.links splits a link "
           "into it (allowed: AZ, CN, KZ, PL, RU)",
           "costs.crossings.west: node 'west' is a port, not a border crossing",
           "costs.ports.gate: node 'gate' is a border, not a port",
           "costs.ports.eats: unknown node 'eats' (did you mean 'east'?)",
           "costs.services.fery: unknown vessel service 'fery' (did you mean 'ferry'?)",
           "costs.links.alpha_gat: unknown link 'alpha_gat' (did you mean 'alpha_gate'?)",
           "costs.links.gate_omega.country_shares: the link's ends are in KZ and PL; the "
           "shares name neither (RU)")


def test_a_route_through_a_country_with_no_rate(scen):
    p = scen(_costs_without("costs.rail.PL"))
    expect(p, "costs.rail.PL: route 'sea' of flow 'west' runs 1000 km in PL (link "
              "'east_omega'), which has no rail rate: give usd_per_feu_km and its CO2e")


def test_every_missing_leg_one_line_each(scen):
    p = scen(_costs_without("costs.links.east_omega", "costs.crossings.gate",
                            "costs.ports.east", "costs.services.ferry"))
    where = "route 'sea' of flow 'west'"
    expect(p,
           f"costs.crossings.gate: {where} passes border crossing 'gate': give usd_per_feu",
           f"costs.services.ferry: {where} sails on service 'ferry': give usd_per_feu, "
           "distance_km and its CO2e",
           f"costs.ports.east: {where} goes on or off a vessel at port 'east': give "
           "usd_per_feu",
           f"costs.links.east_omega: {where} runs on link 'east_omega', which joins AZ "
           "and PL: give its country_shares (country -> share of its 2000 km)")


def test_the_route_function_needs_a_costs_table():
    s = load_scenario(TOY_SEA)
    with pytest.raises(ValueError, match=r"scenario 'toy_sea' has no \[costs\] table"):
        route_cost_usd_per_feu(s, "west", "sea", 2024)


def test_leg_costs_are_plain_records():
    s = load_scenario(TOY_COSTS)
    assert all(isinstance(leg, LegCost) for leg in route_legs(s, "west", "sea", 2024))


def test_corridor_check_shows_each_routes_cost_and_co2e():
    text = describe(load_scenario(TOY_COSTS))
    assert "  costs     per FEU in 2024 and CO2e per TEU, by route (its first flow):" in text
    assert re.search(r"\n    sea +west +3,980 USD +2,242 kg\n", text)
    assert "  costs " not in describe(load_scenario(TOY_SEA))


def test_a_tanker_line_takes_no_freight_per_feu(tmp_path, monkeypatch):
    for name in ("toy.toml", "toy_sea.toml", "trace_sea.toml", "trace_tanker.toml"):
        shutil.copy(HERE / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    p = Path("child.toml")
    p.write_text('extends = "trace_tanker.toml"\n'
                 "[costs.rail.CN]\nusd_per_feu_km = 1\nco2e_g_per_tkm = 20\n"
                 "[costs.services.oil]\nusd_per_feu = 1\ndistance_km = 5\n"
                 "co2e_g_per_tkm = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(p)
    lines = str(info.value).splitlines()
    assert ("error: child.toml: costs.services.oil: service 'oil' is a tanker line and "
            "carries no boxes") in lines
