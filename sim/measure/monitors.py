"""Time-weighted statistics computed from interval logs, after the run.

Queues, yards and busy cranes are all sets of intervals ``[a_i, b_i)`` (an open interval
has ``b_i = NaN``: still there at the end) with a weight ``w_i`` (1 per train, TEU per
box). Their time integral up to any grid of times follows from sorted cumulative sums, so
daily and yearly time averages cost O((n + grid) log n) and nothing is sampled during the
run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# how a KPI function hands its values to the KPI table (sim.measure.kpis.compute)
PutYears = Callable[[str, str, Any], None]  # (name, scope, one value per year)
PutRun = Callable[[str, str, float], None]  # (name, scope, one value for the whole run)


def cumulative_integral(a: np.ndarray, b: np.ndarray, grid: np.ndarray,
                        w: np.ndarray | None = None, end: float = np.inf) -> np.ndarray:
    """``F(g) = ∫_0^g Σ_i w_i 1[a_i <= t < b_i] dt`` for each ``g`` in ``grid``.

    Intervals with NaN ``b`` are open until ``end``. ``w`` may be of any numeric dtype
    (TEU as int8: read as floats where used, never copied whole as floats).
    """
    a = np.asarray(a, float)
    b = np.where(np.isnan(b), end, np.asarray(b, float))
    w = None if w is None else np.asarray(w)
    grid = np.asarray(grid, float)

    def part(x: np.ndarray) -> np.ndarray:
        # the intervals' ends sorted (stably), their weights in that order; the running
        # sums of the weights and of weight x end are read only at the grid's positions,
        # so they are summed chunk by chunk (:func:`_sums_at`: the same values as one
        # np.cumsum over every end, without two float arrays the length of x)
        if w is None:
            xs, ws = np.sort(x, kind="stable"), None
        else:
            order = np.argsort(x, kind="stable")
            xs, ws = x[order], w[order]
            del order
        n = np.searchsorted(xs, grid, side="left")
        if ws is None:  # unit weights: their running sum is the count
            cw = n.astype(float)
        else:
            cw = _sums_at(lambda i, j: ws[i:j].astype(float), len(xs), n)

        def wx(i: int, j: int) -> np.ndarray:
            v = np.where(np.isfinite(xs[i:j]), xs[i:j], 0.0)
            if ws is not None:
                v *= ws[i:j]
            return v
        return grid * cw - _sums_at(wx, len(xs), n)

    return part(a) - part(b)


_CHUNK = 1 << 16  # elements summed at once by _sums_at


def _sums_at(values: Callable[[int, int], np.ndarray], length: int, at: np.ndarray
             ) -> np.ndarray:
    """``S[at]`` of the running sums ``S[0] = 0``, ``S[k] = S[k - 1] + v[k - 1]`` of
    ``v[0:length]``, given chunk by chunk (``values(i, j)``: ``v[i:j]`` as floats). Each
    chunk's sums start from the last chunk's total, so every ``S[k]`` is the very value
    ``np.cumsum`` over all of ``v`` gives (the same additions in the same order)."""
    out = np.zeros(len(at))
    last = None
    for i in range(0, length, _CHUNK):
        j = min(i + _CHUNK, length)
        v = values(i, j)
        if last is None:
            s = np.cumsum(v)
        else:  # (the carried total first: s[k] is last + v[0] + ... + v[k], in order)
            s = np.cumsum(np.concatenate(((last,), v)))[1:]
        hit = (at > i) & (at <= j)
        out[hit] = s[at[hit] - i - 1]
        last = s[-1]
    return out


def window_means(a, b, edges, w=None, end=np.inf) -> np.ndarray:
    """Time-average level in each window ``[edges[j], edges[j+1])``."""
    edges = np.asarray(edges, float)
    if len(edges) <= 9:  # few windows (years): direct overlaps beat sorting
        a = np.asarray(a, float)
        b = np.where(np.isnan(b), end, np.asarray(b, float))
        out = np.empty(len(edges) - 1)
        # (two buffers for every window, written in place: the same values, no array of
        # every interval allocated per window)
        overlap, start = np.empty(len(a)), np.empty(len(a))
        for j in range(len(edges) - 1):
            lo, hi = edges[j], edges[j + 1]
            np.minimum(b, hi, out=overlap)
            overlap -= np.maximum(a, lo, out=start)
            np.clip(overlap, 0.0, None, out=overlap)
            if w is not None:
                overlap *= w
            out[j] = overlap.sum() / (hi - lo)
        return out
    F = cumulative_integral(a, b, edges, w, end)
    return np.diff(F) / np.diff(edges)


def window_index(t: np.ndarray, edges) -> np.ndarray:
    """Index j of the window ``[e_j, e_j+1)`` holding each time; -1 before the first edge
    or NaN, ``len(edges) - 1`` at or after the last."""
    edges = np.asarray(edges, float)
    if len(edges) > 9:
        j = np.searchsorted(edges, t, side="right") - 1
        j[np.isnan(t)] = -1
        return j
    j = np.full(len(t), -1, np.int64)
    for e in edges:  # few windows: comparisons beat a binary search per element
        j += t >= e
    return j


def window_codes(t: np.ndarray, edges) -> np.ndarray:
    """:func:`window_index` plus one, with every time outside the windows in a bin of its
    own: 0 before the first edge, ``j + 1`` in window ``j``, ``len(edges)`` at or after
    the last; NaN in bin 0 with up to nine edges, else in the last bin (outside either
    way). Sums by window are then one ``np.bincount`` over every element, the
    outside ones in the first and last bins (:func:`by_window`), with no masked copies;
    each window's sum adds the same values in the same order as over the masked ones."""
    t = np.asarray(t, float)
    edges = np.asarray(edges, float)
    if len(edges) > 9:
        return np.searchsorted(edges, t, side="right")  # (NaN sorts last: the last bin)
    k = np.zeros(len(t), np.int64)
    for e in edges:  # few windows: comparisons beat a binary search per element
        k += t >= e
    return k


def by_window(k: np.ndarray, n_win: int, w=None) -> np.ndarray:
    """Per window, how many of :func:`window_codes` ``k`` fall in it (or the sum of their
    weights ``w``, in their order)."""
    return np.bincount(k, weights=w, minlength=n_win + 2)[1:n_win + 1]


def means_in(t: np.ndarray, values: np.ndarray, edges) -> np.ndarray:
    """Mean of ``values`` over the events at hours ``t`` in each window (NaN: none)."""
    n = len(edges) - 1
    k = window_codes(t, edges)
    count = by_window(k, n)
    total = by_window(k, n, np.asarray(values, float))
    return np.divide(total, count, out=np.full(n, np.nan), where=count > 0)


def counts_in(t: np.ndarray, edges, w=None) -> np.ndarray:
    """How many events (or how much weight) fall in each window ``[e_j, e_j+1)``."""
    t = np.asarray(t, float)
    edges = np.asarray(edges, float)
    if len(edges) <= 9 and (w is None or np.asarray(w).dtype.kind in "iub") and (
            len(edges) < 2 or bool((edges[1:] >= edges[:-1]).all())):
        # few windows and whole weights: the events at or after each edge, counted (or
        # their weights summed) exactly in integers, differenced; the very values the
        # float sums below give (whole numbers, exact below 2**53), in far fewer passes
        w = None if w is None else np.asarray(w)
        at_or_after = np.empty(len(edges), np.int64)
        for i, e in enumerate(edges):
            m = t >= e
            at_or_after[i] = (np.count_nonzero(m) if w is None
                              else np.sum(w, where=m, dtype=np.int64))
        return (at_or_after[:-1] - at_or_after[1:]).astype(float)
    return by_window(window_codes(t, edges), len(edges) - 1,
                     None if w is None else np.asarray(w, float)).astype(float)


def window_max(a: np.ndarray, b: np.ndarray, edges, end: float = np.inf) -> np.ndarray:
    """Largest number of intervals ``[a_i, b_i)`` open at once within each window
    ``[e_j, e_j+1)`` (NaN ``b``: open until ``end``)."""
    a = np.asarray(a, float)
    b = np.where(np.isnan(b), end, np.asarray(b, float))
    keep = b > a
    a, b = a[keep], b[keep]
    edges = np.asarray(edges, float)
    t = np.concatenate((a, b))
    step = np.concatenate((np.ones(len(a)), -np.ones(len(b))))
    order = np.lexsort((step, t))  # at equal times, leave before arriving
    t, level = t[order], np.cumsum(step[order])
    out = np.zeros(len(edges) - 1)
    for j in range(len(edges) - 1):
        lo, hi = edges[j], edges[j + 1]
        start = np.searchsorted(t, lo, side="right")
        carried = level[start - 1] if start > 0 else 0.0
        inside = level[start:np.searchsorted(t, hi, side="left")]
        out[j] = max(carried, inside.max() if len(inside) else 0.0)
    return out


def closure_effects(a: np.ndarray, b: np.ndarray, closures: np.ndarray, end: float
                    ) -> np.ndarray:
    """What each closure ``[s, e)`` did to a facility whose occupants stay ``[a_i, b_i)``
    (NaN ``b``: still there at ``end``). One row per closure:

    * caught: occupants present at, or arriving during, the closure;
    * peak: most occupants present at once from its start until it recovered (or the end);
    * recovery: hours from the reopening until the occupants present first fell back to
      their number when the closure began (0 if they never rose above it; NaN if not
      recovered by ``end``; an open closure is not recovered).
    """
    a = np.asarray(a, float)
    b = np.where(np.isnan(b), end, np.asarray(b, float))
    closures = np.asarray(closures, float).reshape(-1, 2)
    out = np.full((len(closures), 3), np.nan)
    if not len(closures):
        return out
    keep = b > a
    t = np.concatenate((a[keep], b[keep]))
    step = np.concatenate((np.ones(keep.sum()), -np.ones(keep.sum())))
    order = np.lexsort((step, t))
    t, level = t[order], np.cumsum(step[order])

    def level_at(x: float) -> float:  # occupants present just after time x
        i = np.searchsorted(t, x, side="right")
        return level[i - 1] if i > 0 else 0.0

    for k, (s, e) in enumerate(closures):
        open_ = np.isnan(e)
        e_ = end if open_ else e
        out[k, 0] = np.count_nonzero((a < e_) & (b > s) & keep)
        base = level_at(s)
        i0 = np.searchsorted(t, e_, side="right")
        if open_:
            rec_t = np.nan
        elif level_at(e_) <= base:
            rec_t = e_
        else:
            after = np.flatnonzero(level[i0:] <= base)
            rec_t = t[i0 + after[0]] if len(after) else np.nan
        hi = rec_t if rec_t == rec_t else end
        j0 = np.searchsorted(t, s, side="right")
        j1 = np.searchsorted(t, hi, side="right")
        inside = level[j0:j1]
        out[k, 1] = max(base, inside.max() if len(inside) else base)
        out[k, 2] = rec_t - e_ if rec_t == rec_t else np.nan
    return out
