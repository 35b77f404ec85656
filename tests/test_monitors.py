"""The interval integrals summed chunk by chunk give exactly the values of one running sum
over every interval end (the KPIs' hashes must not move when their memory is cut)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.measure import monitors


def _one_cumsum(a, b, grid, w=None, end=np.inf):
    """The integral as it was computed before: float weights, one np.cumsum each."""
    a = np.asarray(a, float)
    b = np.where(np.isnan(b), end, np.asarray(b, float))
    w = np.ones_like(a) if w is None else np.asarray(w, float)

    def part(x):
        order = np.argsort(x, kind="stable")
        xs, ws = x[order], w[order]
        cw = np.concatenate(([0.0], np.cumsum(ws)))
        cwx = np.concatenate(([0.0], np.cumsum(np.where(np.isfinite(xs), xs, 0.0) * ws)))
        n = np.searchsorted(xs, grid, side="left")
        return grid * cw[n] - cwx[n]
    return part(a) - part(b)


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 16])
@pytest.mark.parametrize("weighted", [False, True])
def test_chunked_integral_is_bit_identical_to_one_running_sum(monkeypatch, chunk, weighted):
    monkeypatch.setattr(monitors, "_CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    for m in (0, 1, 7, 2_000):
        a = np.round(rng.uniform(0.0, 9_000.0, m), 1) / 3.0  # ties and inexact sums
        b = a + rng.exponential(50.0, m)
        b[rng.random(m) < 0.1] = np.nan  # open until the end
        w = rng.choice(np.array([1, 2], np.int8), m) if weighted else None
        grid = np.concatenate((np.arange(-24.0, 9_500.0, 24.0), a[:3]))
        grid.sort()
        got = monitors.cumulative_integral(a, b, grid, w, end=9_200.0)
        want = _one_cumsum(a, b, grid, w, end=9_200.0)
        assert got.tobytes() == want.tobytes()


def test_sums_at_reads_each_running_sum_across_chunks(monkeypatch):
    monkeypatch.setattr(monitors, "_CHUNK", 4)
    v = np.array([0.1, 0.2, 0.3, 1e16, 1.0, -1e16, 0.7, 0.4, 0.5, 0.6])
    at = np.array([0, 1, 4, 5, 6, 9, 10])
    want = np.concatenate(([0.0], np.cumsum(v)))[at]
    got = monitors._sums_at(lambda i, j: v[i:j], len(v), at)
    assert got.tobytes() == want.tobytes()
