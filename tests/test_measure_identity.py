"""The KPI step's faster paths give the very values (bit for bit) of the plain ones they
replaced: counts by window, sums by window, Kaplan-Meier at-risk counts, transit by group,
shares under way, time averages, tonnes per sailing and a sparse column of datetimes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine.records import hours_as_datetimes
from sim.measure.flows import _group_stats, _under_way, km_mean, year_stats
from sim.measure.monitors import by_window, counts_in, window_codes, window_index, window_means
from sim.measure.services import sailing_tonnes
from sim.study.replications import _sparse_datetimes


def _plain_counts(t, edges, w=None):
    """counts_in as it was: a window index per event, masked, bincounted as floats."""
    j = window_index(np.asarray(t, float), edges)
    ok = (j >= 0) & (j < len(edges) - 1)
    weights = None if w is None else np.asarray(w, float)[ok]
    return np.bincount(j[ok], weights=weights, minlength=len(edges) - 1).astype(float)


def _times(rng, n):
    """Hours on a coarse grid (many on an edge exactly), some NaN, some outside."""
    t = np.round(rng.uniform(-20.0, 120.0, n), int(rng.integers(0, 2)))
    t[rng.random(n) < 0.1] = np.nan
    return t


@pytest.mark.parametrize("n_edges", [2, 3, 5, 9, 12])
def test_counts_in_matches_the_masked_bincount(n_edges):
    rng = np.random.default_rng(n_edges)
    for _ in range(50):
        n = int(rng.integers(0, 3000))
        t = _times(rng, n)
        edges = np.sort(rng.choice(np.arange(0.0, 100.0, 5.0), n_edges, replace=False))
        for w in (None, rng.integers(1, 3, n).astype(np.int8), rng.integers(0, 90, n),
                  rng.random(n) * 10):
            got, want = counts_in(t, edges, w), _plain_counts(t, edges, w)
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_window_codes_sum_each_window_in_its_order():
    rng = np.random.default_rng(1)
    for n_edges in (2, 4, 9, 10, 15):
        t = _times(rng, 5000)
        v = rng.random(5000) * 1e3 + 1e-3  # sums that depend on their order
        edges = np.sort(rng.choice(np.arange(0.0, 100.0, 2.5), n_edges, replace=False))
        k = window_codes(t, edges)
        j = window_index(t, edges)
        inside = (j >= 0) & (j < n_edges - 1)
        assert (k[inside] == j[inside] + 1).all()
        assert np.isin(k[~inside], [0, n_edges]).all()  # (outside: the first or last bin)
        for y in range(n_edges - 1):
            want = np.bincount(np.zeros(int((j == y).sum()), np.int64), weights=v[j == y],
                               minlength=1)[0]
            assert by_window(k, n_edges - 1, v)[y].tobytes() == np.float64(want).tobytes()
            assert by_window(k, n_edges - 1)[y] == (j == y).sum()


def _plain_km(days, event):
    """km_mean as it was: each event's censored values found by a binary search."""
    if len(days) == 0:
        return math.nan
    ev, cens = np.sort(days[event]), np.sort(days[~event])
    k = len(ev)
    at_risk = np.arange(k, 0, -1) + (len(cens) - np.searchsorted(cens, ev, side="left"))
    surv = np.cumprod(1.0 - 1.0 / at_risk)
    before = np.concatenate(([1.0], surv))
    steps = np.diff(ev, prepend=0.0)
    tail = max(float(days.max()) - (float(ev[-1]) if k else 0.0), 0.0)
    return float(np.sum(before[:-1] * steps) + before[-1] * tail)


def test_km_mean_matches_the_binary_searches():
    rng = np.random.default_rng(2)
    for _ in range(500):
        n = int(rng.integers(0, 400))
        days = np.round(rng.gamma(3.0, 4.0, n), int(rng.integers(0, 3)))  # ties
        event = rng.random(n) < rng.random()
        got, want = km_mean(days, event), _plain_km(days, event)
        assert got == want or (math.isnan(got) and math.isnan(want))


def test_group_stats_match_year_stats_on_each_group():
    rng = np.random.default_rng(3)
    edges = np.array([0.0, 40.0, 80.0, 100.0])
    for _ in range(30):
        n = int(rng.integers(1, 3000))
        t = _times(rng, n)
        days = rng.gamma(3.0, 4.0, n)
        done = rng.random(n) < 0.8
        group = rng.integers(0, 4, n)
        k = window_codes(t, edges)
        k *= done
        got = _group_stats(k, days, 3, group, 4)
        for g in range(4):
            m = (group == g) & done
            want = year_stats(t[m], days[m], edges, p95=True)
            for a, b in zip(got[g], want):
                assert a.tobytes() == b.tobytes()
        alone = _group_stats(k, days, 3)[0]
        for a, b in zip(alone, year_stats(t[done], days[done], edges, p95=True)):
            assert a.tobytes() == b.tobytes()


def _plain_tonnes(tonnes, rows):
    return np.fromiter((float(tonnes[r].sum(dtype=np.float64)) for r in rows), float,
                       len(rows))


def test_sailing_tonnes_match_each_sailing_summed():
    rng = np.random.default_rng(4)
    per_teu = np.array([10.5, 12.3, 7.77, 0.1, 15.0])
    for _ in range(100):
        n = int(rng.integers(1, 3000))
        tonnes = (per_teu[rng.integers(0, 5, n)] * rng.integers(1, 3, n)).astype(np.float32)
        rows = [rng.integers(0, n, int(rng.integers(0, 300))).astype(np.int32)
                for _ in range(int(rng.integers(0, 40)))]
        assert sailing_tonnes(tonnes, rows).tobytes() == _plain_tonnes(tonnes, rows).tobytes()


def test_sailing_tonnes_fall_back_when_the_order_matters():
    """Values whose float64 sums round (a range wider than 2**53 of the least last place):
    sailing by sailing, NumPy's pairwise sums, which a sum in row order misses."""
    rng = np.random.default_rng(5)
    tonnes = (rng.random(5000) * 10.0 ** rng.integers(-8, 9, 5000)).astype(np.float32)
    rows = [np.arange(5000, dtype=np.int32), np.arange(0, 5000, 3, dtype=np.int32)]
    in_order = np.bincount(np.repeat([0, 1], [len(r) for r in rows]),
                           weights=tonnes[np.concatenate(rows)].astype(float))
    want = _plain_tonnes(tonnes, rows)
    assert in_order.tobytes() != want.tobytes()  # (the case the guard is for)
    assert sailing_tonnes(tonnes, rows).tobytes() == want.tobytes()


def test_sparse_datetimes_match_every_hour_converted():
    rng = np.random.default_rng(6)
    t0 = np.datetime64("2023-06-01T00:00:00", "us")
    for share in (0.0, 0.1, 0.9, 1.0):
        h = rng.uniform(0.0, 20000.0, 10000)
        h[rng.random(10000) >= share] = np.nan
        got, want = _sparse_datetimes(h, t0), hours_as_datetimes(h, t0)
        assert got.dtype == want.dtype and got.view(np.int64).tolist() == \
            want.view(np.int64).tolist()


def test_under_way_counts_match_the_weighted_bincounts():
    rng = np.random.default_rng(7)
    for n_edges in (2, 4, 9, 12):
        edges = np.sort(rng.choice(np.arange(0.0, 100.0, 2.5), n_edges, replace=False))
        n = n_edges - 1
        left_h, got_h = _times(rng, 4000), _times(rng, 4000) + 30.0
        j = window_index(left_h, edges)
        ok = (j >= 0) & (j < n)  # (as it was: every box's window end, masked bincounts)
        late = ~(got_h < np.asarray(edges, float)[np.minimum(j + 1, n)])
        left = np.bincount(j[ok], minlength=n).astype(float)
        still = np.bincount(j[ok], weights=late[ok].astype(float), minlength=n)
        want = np.divide(still, left, out=np.full(n, np.nan), where=left > 0)
        assert _under_way(j, got_h, edges).tobytes() == want.tobytes()


def test_window_means_match_an_array_per_window():
    rng = np.random.default_rng(8)
    edges = np.array([0.0, 30.0, 70.0, 100.0])
    a = rng.uniform(-10.0, 90.0, 5000)
    b = a + rng.gamma(2.0, 10.0, 5000)
    b[rng.random(5000) < 0.1] = np.nan
    w = rng.integers(1, 3, 5000).astype(np.int8)
    for weights in (None, w):
        want = np.empty(3)
        b_ = np.where(np.isnan(b), 95.0, b)
        for j in range(3):
            overlap = np.clip(np.minimum(b_, edges[j + 1]) - np.maximum(a, edges[j]), 0.0, None)
            if weights is not None:
                overlap *= weights
            want[j] = overlap.sum() / (edges[j + 1] - edges[j])
        assert window_means(a, b, edges, weights, end=95.0).tobytes() == want.tobytes()


def _plain_year_stats(t, values, edges):
    """year_stats as it was: a window index per value, masked, bincounted; the 95th
    percentile of each window's masked values."""
    j = window_index(t, edges)
    n_win = len(edges) - 1
    ok = (j >= 0) & (j < n_win)
    j, v = j[ok], values[ok]
    count = np.bincount(j, minlength=n_win)
    total = np.bincount(j, weights=v, minlength=n_win)
    mean = np.divide(total, count, out=np.full(n_win, np.nan), where=count > 0)
    q = np.full(n_win, np.nan)
    for y in range(n_win):
        if count[y]:
            q[y] = np.quantile(v[j == y], 0.95)
    return mean, q


@pytest.mark.parametrize("n_edges", [2, 4, 9, 14])
def test_year_stats_match_the_masked_bincount(n_edges):
    rng = np.random.default_rng(100 + n_edges)
    for _ in range(40):
        n = int(rng.integers(0, 2000))
        t = _times(rng, n)
        edges = np.sort(rng.choice(np.arange(0.0, 100.0, 5.0), n_edges, replace=False))
        days = rng.gamma(3.0, 4.0, n)
        want = _plain_year_stats(t, days, edges)
        # the windows given as window_index gives them, in a byte (as the cohorts keep them)
        for j in (None, window_index(t, edges).astype(np.int8)):
            got = year_stats(t, days.copy(), edges, p95=True, j=j)
            for a, b in zip(got, want):
                assert a.tobytes() == b.tobytes()
