"""What a run lets go of, and when (issue 15's memory): the market's candidates once
decided, the record store's times once made into the containers table, the C heap once
the model is freed; the rows trains carry as int32; the containers table written a slice
at a time. Each is a pure memory change: the results are the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.engine import model as model_mod
from sim.engine.model import Model, models_freed
from sim.engine.records import Coded
from sim.io.parquet import write_in_row_groups
from sim.scenario.loading import load_scenario
from sim.study.replications import containers_columns

from .conftest import HERE

NESTED = HERE / "scenarios" / "toy_nested.toml"
TWO_BORDERS = HERE / "scenarios" / "toy_two_borders.toml"


def test_a_market_lets_go_of_its_candidates_once_every_day_is_decided():
    out = Model(load_scenario(NESTED), seed=3).run()
    assert out.markets
    for m in out.markets.values():
        assert m.accepted and sum(day[3] for day in m.accepted) > 0  # it had candidates
        assert len(m.c.t_h) == len(m.c.u) == len(m.c.size_ft) == 0


def test_the_rows_trains_carry_are_int32():
    out = Model(load_scenario(TWO_BORDERS), seed=2).run()
    carried = [r for x in out.crossings.values() for r in (*x.in_rows, *x.out_rows)]
    assert carried and {r.dtype for r in carried} == {np.dtype(np.int32)}


def _same(a, b) -> bool:
    if isinstance(a, Coded):
        return isinstance(b, Coded) and a.names == b.names and np.array_equal(a.codes, b.codes)
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_containers_columns_released_from_the_store_are_the_same_columns():
    out = Model(load_scenario(TWO_BORDERS), seed=2).run()
    kept = containers_columns(out, 0)
    assert "crossing2_depart" in kept  # (boxes that cross twice: both slots converted)
    released = containers_columns(out, 0, release=True)
    assert list(released) == list(kept)
    assert all(_same(kept[c], released[c]) for c in kept)
    st = out.store
    assert len(st.t_created) == len(st.t_depart_origin) == len(st.t_delivered) == 0
    assert all(v.size == 0 for v in st.t_crossing.values())


def test_models_freed_gives_the_free_heap_back(monkeypatch):
    calls = []
    monkeypatch.setattr(model_mod, "give_back_free_heap", lambda: calls.append(1))
    with models_freed():
        assert calls == []
    assert calls == [1]


@pytest.mark.parametrize("group_rows", [1, 2, 3, 5, 100])
def test_a_frame_written_in_row_groups_reads_back_the_same(tmp_path, group_rows):
    codes = np.array([0, 1, 2, -1, 1], np.int32)  # a code per row in the first slices
    frame = pd.DataFrame({
        "node": pd.Categorical.from_codes(codes, categories=["a", "b", "c", "unused"]),
        "when": pd.to_datetime(["2024-01-01 10:00", None, "2024-02-01 00:00", "2024-02-01 00:00",
                                "2024-03-01 00:00"]).astype("datetime64[us]"),
        "id": np.arange(5, dtype=np.int64),
        "teu": np.array([1, 2, 1, 1, 2], np.int8),
        "hours": np.array([0.5, np.nan, 3.25, 3.25, 1e9])})
    path = tmp_path / "f.parquet"
    write_in_row_groups(frame, path, group_rows)
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-len(frame) // group_rows)
    back = pd.read_parquet(path)
    frame.to_parquet(tmp_path / "whole.parquet", index=False)
    whole = pd.read_parquet(tmp_path / "whole.parquet")
    assert list(back["node"].cat.categories) == ["a", "b", "c", "unused"]
    pd.testing.assert_frame_equal(back, whole)
    pd.testing.assert_frame_equal(back, frame)
