"""The inland dry port kind, end to end: a toy corridor with a dry port behind the crossing
(``tests/scenarios/toy_dry_port.toml``). Boxes are unloaded, cleared and re-formed there
into trains of the configured length; the yard and every box are accounted for; the
kind's KPIs and daily series appear, the map draws its symbol and ``corridor check``
describes it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim.cli import main  # noqa: E402
from sim.engine.facilities.dry_port import DryPortFacility  # noqa: E402
from sim.engine.model import Model  # noqa: E402
from sim.measure import kpis, location  # noqa: E402
from sim.measure.intervals import visits  # noqa: E402
from sim.measure.timeseries import daily  # noqa: E402
from sim.plots.network_map import corridor_map  # noqa: E402
from sim.scenario.kinds import CLOSURE_KPIS, NODE_KINDS  # noqa: E402
from sim.scenario.loading import load_scenario  # noqa: E402

from .conftest import HERE  # noqa: E402

DRY = HERE / "scenarios" / "toy_dry_port.toml"
ROW = NODE_KINDS["dry_port"]


@pytest.fixture(scope="module")
def run():
    """The toy dry-port corridor, closed at the dry port for two days in February."""
    s = load_scenario(DRY, overrides={"timeline": [
        {"date": "2024-02-05", "close": "dry", "days": 2}]})
    return s, Model(s).run()


def test_the_dry_port_is_built_from_its_row(run):
    _s, out = run
    assert isinstance(out.facilities["dry"], DryPortFacility)
    assert list(out.crossings) == ["gate"] and out.ports == {}


def test_boxes_are_unloaded_cleared_and_reformed_in_order(run):
    _s, out = run
    v = visits(out, "dry")
    assert len(v["row"]) > 1000 and (v["kind"] == 0).all()  # all by rail
    gone = np.isfinite(v["depart"])
    assert gone.sum() > 1000
    # stamps in order: arrived <= unloaded <= ready <= left the yard = departed
    assert (v["arrive"][gone] <= v["unloaded"][gone]).all()
    assert (v["unloaded"][gone] <= v["ready"][gone]).all()
    assert (v["ready"][gone] <= v["depart"][gone]).all()
    np.testing.assert_array_equal(v["release"], v["depart"])
    # every box visits the dry port once, after its crossing, and leaves it before delivery
    assert len(np.unique(v["row"])) == len(v["row"])
    st = out.store
    rows = v["row"][gone]
    assert (st.t_crossing["depart"][0][rows] <= v["arrive"][gone]).all()
    done = np.isfinite(st.t_delivered[rows])
    assert (v["depart"][gone][done] <= st.t_delivered[rows][done]).all()
    delivered = np.flatnonzero(np.isfinite(st.t_delivered))
    assert np.isin(delivered, rows).all()


def test_outbound_trains_are_of_the_configured_length(run):
    s, out = run
    dry = out.facilities["dry"]
    length = s.nodes["dry"].dry_port.train_boxes
    assert length == 45
    sizes = np.array([len(r) for r in dry.out_rows])
    assert len(sizes) > 50
    assert {o[2] for o in dry.out_log} == {length}  # the train's length, as logged
    assert (sizes <= length).all() and (sizes == length).mean() > 0.5
    assert [o[1] for o in dry.out_log] == sizes.tolist()
    # inbound trains are the crossing's broad-gauge trains (60 boxes at most)
    assert max(t[4] for t in dry.log) <= 60


def test_the_yard_holds_what_was_unloaded_and_not_yet_gone(run):
    _s, out = run
    dry, st = out.facilities["dry"], out.store
    unloaded = sum(int(t[5]) for t in dry.log)  # InboundTrain.teu
    left = sum(int(st.teu[r].sum()) for r in dry.out_rows)
    assert dry.yard.level == unloaded - left
    assert 0 <= dry.yard.level <= dry.cfg.yard_capacity_teu


def test_every_box_is_in_exactly_one_place(run):
    _s, out = run
    counts, problems = location.survey(out)
    assert problems == []
    where = location.locate(out)
    v = visits(out, "dry")
    at_dry = np.isnan(v["depart"])
    assert where["at_port"].sum() == at_dry.sum() > 0  # the boxes at the dry port
    assert sum(int(m.sum()) for m in where.values()) == out.store.n
    for t in (24.0 * 30, 24.0 * 45):  # and at other hours, while it is closed
        assert location.survey(out, at_h=t)[1] == []


def test_its_kpis_and_daily_series_appear(run):
    _s, out = run
    k = kpis.compute(out)
    names = {n for n, _p, scope in k if scope == "dry"}
    assert names == set(ROW.kpis) | set(CLOSURE_KPIS)
    assert k[("closure_hours", "2024", "dry")] == pytest.approx(48.0)
    assert k[("port_dwell_hours_mean", "2024", "dry")] > 12
    ts = daily(out)
    mine = ts[ts["facility"] == "dry"]
    assert sorted(set(mine["metric"])) == sorted(ROW.series)
    assert set(mine["kind"]) == {"dry_port"}
    shut = mine[mine["metric"] == "closed_share"].set_index("date")["value"]
    assert shut.sum() == pytest.approx(2.0)


def test_the_map_draws_its_symbol():
    s = load_scenario(DRY)
    nodes = pd.DataFrame([{"lon": n.lon, "lat": n.lat, "kind": n.kind, "label": n.name}
                          for n in s.nodes.values()])
    links = pd.DataFrame(columns=["lon0", "lat0", "lon1", "lat1", "mode", "boxes",
                                  "utilisation"])
    links.loc[0] = [100.0, 40.0, 80.0, 45.0, "rail", 10.0, 0.5]
    ax = corridor_map(links, nodes, legend=False)
    colour = mcolors.to_rgba(ROW.symbol.colour)
    drawn = [c for c in ax.collections if hasattr(c, "get_offsets")
             and len(c.get_offsets()) == 1
             and tuple(c.get_offsets()[0]) == (s.nodes["dry"].lon, s.nodes["dry"].lat)]
    assert len(drawn) == 1
    assert tuple(drawn[0].get_facecolor()[0]) == pytest.approx(colour)
    plt.close(ax.figure)


def test_corridor_check_describes_it(capsys):
    assert main(["check", str(DRY)]) == 0
    out = capsys.readouterr().out
    assert "1 dry_port" in out
    assert "  dry ports:" in out
    assert "    dry            3 tracks,   2 crane gang(s)" in out
    assert "departure full_or_max_wait, trains of 45\n" in out
    assert "full_or_max_wait, trains of" not in out.split("  dry ports:")[0]  # crossings
    assert out.strip().endswith("ok: no problems found")


def test_a_departure_rule_asking_more_than_a_train_holds_is_refused(capsys):
    assert main(["check", str(DRY), "--set", "nodes.dry.dry_port.departure.min_boxes=60"]) == 2
    assert capsys.readouterr().err == (
        "error: --set: nodes.dry.dry_port.departure.min_boxes: 60 is more than an outbound "
        "train holds (45 train_boxes)\n")
