"""An exact event trace of two deterministic trains, computed by hand."""

import numpy as np
import pytest

from sim.engine.model import Model
from sim.scenario.loading import load_scenario

from .conftest import HERE


@pytest.fixture(scope="module")
def out():
    return Model(load_scenario(HERE / "scenarios" / "trace.toml")).run()


def test_boxes_arrive_evenly(out):
    st = out.store
    assert st.n == 40
    expected = np.concatenate([(np.arange(20) + 0.5) * 1.2, 24 + (np.arange(20) + 0.5) * 1.2])
    np.testing.assert_allclose(st.t_created, expected, rtol=0, atol=1e-12)


def test_exact_trace(out):
    # (origin departure, crossing arrival, unloaded, ready, crossing departure, delivered)
    # train A: full at the 20th box, 23.4 h; 6 h run; 1 h crane; 5 h customs; nobody else
    #   comes within the 10 h max wait, so it leaves with 20 of 40 boxes; 12 h run.
    # train B: the same a day later.
    hand = {
        "A": (23.4, 29.4, 30.4, 35.4, 45.4, 57.4),
        "B": (47.4, 53.4, 54.4, 59.4, 69.4, 81.4),
    }
    st = out.store
    tc = st.t_crossing
    for name, rows in (("A", slice(0, 20)), ("B", slice(20, 40))):
        got = np.column_stack([st.t_depart_origin[rows], tc["arrive"][0][rows],
                               tc["unloaded"][0][rows], tc["ready"][0][rows],
                               tc["depart"][0][rows], st.t_delivered[rows]])
        np.testing.assert_allclose(got, np.tile(hand[name], (20, 1)), rtol=0, atol=1e-9)
    assert out.origin_trains == [(0, 0, pytest.approx(23.4), 20, 40),
                                 (0, 0, pytest.approx(47.4), 20, 40)]
    log = out.crossings["gate"].log
    assert [tuple(round(x, 9) for x in row) for row in log] == [
        (29.4, 29.4, 29.4, 30.4, 20, 40), (53.4, 53.4, 53.4, 54.4, 20, 40)]
    assert [(round(t, 9), n, cap) for t, n, cap in out.crossings["gate"].out_log] == [
        (45.4, 20, 40), (69.4, 20, 40)]
