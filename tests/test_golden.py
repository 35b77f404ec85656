"""The baseline reproduces its golden KPIs (results/reference/baseline_kpis.json), and the
headline figures stay of the order of the published ones."""

import json
import math

import pytest

from .golden import GOLDEN, baseline_records


@pytest.fixture(scope="module")
def records():
    return baseline_records()


@pytest.mark.slow
def test_baseline_matches_golden_kpis(records):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    key = lambda r: (r["name"], r["period"], r["scope"])  # noqa: E731
    got = {key(r): r for r in records}
    want = {key(r): r for r in golden}
    assert sorted(got) == sorted(want), "KPI set changed; regenerate with python -m tests.golden"
    for k, w in want.items():
        g = got[k]["mean"]
        if w["mean"] is None:
            assert g is None or math.isnan(g), k
        else:
            assert g == pytest.approx(w["mean"], rel=1e-9, abs=1e-9), k


def test_baseline_is_of_the_order_of_the_published_figures(records):
    """Not calibration (that comes later): the 2024 transit count is within 10 % of the
    211,000 containers, KZ's share within 5 points of 85 %, and nothing vanished."""
    by = {(r["name"], r["period"], r["scope"]): r["mean"] for r in records}
    assert abs(by[("transit_containers_china_central_asia", "2024", "all")] / 211_000 - 1) < 0.10
    assert abs(by[("kz_share_china_europe_land", "2024", "all")] - 0.85) < 0.05
    growth = by[("transit_containers_china_central_asia", "2024", "all")] / by[
        ("transit_containers_china_central_asia", "2023", "all")] - 1
    assert 0.05 < growth < 0.20
    assert by[("containers_created", "run", "all")] == by[("containers_delivered", "run", "all")] \
        + by[("containers_in_system", "run", "all")]


def test_corridors_used_both_ways_are_also_reported_by_direction(records):
    """Each direction's boxes, transit and Caspian TEU are parts of the whole: westbound
    plus eastbound is the corridor's (or the Caspian's) total, and each has some; the
    mean transit of the whole lies between the two directions'."""
    by = {(r["name"], r["period"], r["scope"]): r["mean"] for r in records}
    for corr in ("northern", "middle_corridor"):
        w, e = (by[("containers_by_corridor", "2024", f"{corr}:{way}")]
                for way in ("westbound", "eastbound"))
        assert w > 0 and e > 0
        assert w + e == by[("containers_by_corridor", "2024", corr)]
        tw, te = (by[("transit_time_days_mean", "2024", f"{corr}:{way}")]
                  for way in ("westbound", "eastbound"))
        assert min(tw, te) <= by[("transit_time_days_mean", "2024", corr)] <= max(tw, te)
    w, e = by[("caspian_teu", "2024", "westbound")], by[("caspian_teu", "2024", "eastbound")]
    assert w > 10 * e > 0
    assert w + e == pytest.approx(by[("caspian_teu", "2024", "all")], rel=1e-12)
    assert ("containers_by_corridor", "2024", "central_asia:eastbound") not in by  # one way
