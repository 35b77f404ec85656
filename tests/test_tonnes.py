"""Tonnes per box: each box weighs its TEU times its flow's tonnes per TEU."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.model import Model
from sim.measure.tonnes import row_tonnes
from sim.scenario.problems import ConfigError
from tests.conftest import toy_with


def test_a_box_weighs_its_teu_times_its_flows_tonnes_per_teu():
    s = toy_with(**{"demand.tonnes_per_teu": 7.0, "horizon.end": "2024-02-01"})
    out = Model(s, seed=3).out
    t = row_tonnes(out)
    assert len(t) == len(out.store.teu) > 0
    assert set(np.unique(out.store.teu).tolist()) == {1, 2}     # both sizes present
    np.testing.assert_allclose(t, 7.0 * out.store.teu)
    assert row_tonnes(out) is t                                 # computed once per run


def test_a_flows_own_tonnes_per_teu_wins_over_the_default():
    s = toy_with(**{"demand.flows.west.tonnes_per_teu": 12.5, "horizon.end": "2024-02-01"})
    out = Model(s, seed=3).out
    assert row_tonnes(out).sum() == pytest.approx(12.5 * out.store.teu.sum())


@pytest.mark.parametrize("field, value, message", [
    ("demand.tonnes_per_teu", 0, r"demand\.tonnes_per_teu: must be > 0 \(got 0\)"),
    ("demand.flows.west.tonnes_per_teu", 41,
     r"demand\.flows\.west\.tonnes_per_teu: must be <= 40 \(got 41\)"),
])
def test_tonnes_per_teu_out_of_bounds_is_one_line_naming_the_field(field, value, message):
    with pytest.raises(ConfigError, match=rf"\Aerror: overrides: {message}\Z"):
        toy_with(**{field: value})
