"""The container record store: one row per container, in NumPy arrays.

Containers are never SimPy processes. Trains carry arrays of row indices, and each stage
stamps its time into the rows it moves. Times are model hours since the start of the
simulation (the start of the warm-up); NaN means the stage has not been reached (yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from sim.scenario.network import MAX_CROSSINGS

# stage stamps at each border crossing on the path, k = 0 .. MAX_CROSSINGS-1
CROSSING_STAGES = ("arrive", "unloaded", "ready", "depart")
# the row indices trains carry (every train's, at every stop, kept in the logs: int32 holds
# half what int64 did, for up to 2**31 boxes)
ROW = np.int32


def rows_array(rows: Sequence[tuple], width: int) -> np.ndarray:
    """A list of equal-length numeric tuples (a log) as a float array, quickly (one row
    per tuple; see :func:`sim.engine.logs.columns` for the columns by name)."""
    flat = np.fromiter(chain.from_iterable(rows), float, count=len(rows) * width)
    return flat.reshape(-1, width)


def gather(batches: list[np.ndarray], per_batch=None, per_row: list[np.ndarray] | None = None):
    """Concatenate row batches, with one value per batch repeated over its rows (or the
    per-row value arrays concatenated): for stamping many trains at once."""
    if not batches:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows = np.concatenate(batches)
    if per_row is not None:
        return rows, np.concatenate(per_row)
    lens = np.fromiter(map(len, batches), np.int64, len(batches))
    return rows, np.repeat(np.asarray(per_batch), lens)


def flat(a: np.ndarray) -> np.ndarray:
    """A flat view of a (slot, row) array of the store, writes going through: the cell of
    slot k and row i is ``k * n + i``."""
    if not a.flags.c_contiguous:  # reshape would copy
        raise ValueError("a flat view needs a C-contiguous array")
    return a.reshape(-1)


class ContainerStore:
    """Column arrays for ``n`` containers; row index = container id (flow by flow, each
    flow's boxes in order of arrival)."""

    def __init__(self, flow: np.ndarray, origin: np.ndarray, destination: np.ndarray,
                 size_ft: np.ndarray, t_created: np.ndarray, slots: int = MAX_CROSSINGS,
                 spare: int = 0):
        n = len(t_created)
        self.n = n
        cap = n + spare  # rows kept free for boxes created during the run (:meth:`add`)

        def col(a, dtype) -> np.ndarray:
            """A column of ``a`` for the first ``n`` rows; the spare rows are left unwritten
            until :meth:`add` writes them (their memory untouched: not resident, not
            faulted in, for the spare rows no box takes)."""
            out = np.empty(cap, dtype)
            out[:n] = a
            return out
        self.flow = col(flow, np.int16)
        self.origin = col(origin, np.int16)
        self.destination = col(destination, np.int16)
        self.size_ft = col(size_ft, np.int8)
        self._forty = col(self.size_ft[:n] == 40, np.bool_)
        self.teu = col(np.add(self._forty[:n], 1, dtype=np.int8), np.int8)  # 2: 40 ft
        self.t_created = col(t_created, np.float64)
        self.route = col(-1, np.int16)
        self.t_depart_origin = col(np.nan, np.float64)
        self.t_delivered = col(np.nan, np.float64)
        # one slot per crossing a box can meet on its path (the scenario's most, <= 3);
        # written only after the run (BorderCrossing.stamp), so made now only if no box
        # can be added (else without rows), and by :meth:`trim` for every box
        self.slots = slots
        self._crossing_columns(n if spare == 0 else 0)

    def _crossing_columns(self, n: int) -> None:
        """The (slot, row) columns of the crossings met, for ``n`` rows, unstamped."""
        self.crossing = np.full((self.slots, n), -1, np.int16)
        self.t_crossing = {s: np.full((self.slots, n), np.nan) for s in CROSSING_STAGES}

    def add(self, flow: int, origin: int, destination: int, size_ft: np.ndarray,
            t_created: np.ndarray) -> np.ndarray:
        """Rows for boxes of one flow created during the run (in arrival order), taken from
        the spare rows: the next ``len(t_created)`` rows."""
        a, b = self.n, self.n + len(t_created)
        if b > len(self.t_created):
            raise ValueError(f"the store has room for {len(self.t_created)} boxes, not {b}")
        self.flow[a:b] = flow
        self.origin[a:b] = origin
        self.destination[a:b] = destination
        self.size_ft[a:b] = size_ft
        forty = size_ft == 40
        self._forty[a:b] = forty
        self.teu[a:b] = np.where(forty, 2, 1)
        self.t_created[a:b] = t_created
        self.route[a:b] = -1
        self.t_depart_origin[a:b] = np.nan
        self.t_delivered[a:b] = np.nan
        self.n = b
        return np.arange(a, b, dtype=ROW)

    def trim(self) -> None:
        """Drop the spare rows no box took (after the run, before the crossings' stamps:
        every row index in use is below ``n``, so none changes). The columns become views
        of their first ``n`` rows, not copies (copying them, and the (slot, row) columns
        strided, took ~4 % of a calibrated year); the crossings' columns, still unstamped,
        are made for ``n`` rows if the store could grow."""
        n = self.n
        if self.crossing.shape[1] != n:
            self._crossing_columns(n)
        if len(self.t_created) == n:
            return
        for name in ("flow", "origin", "destination", "size_ft", "teu", "_forty", "t_created",
                     "route", "t_depart_origin", "t_delivered"):
            setattr(self, name, getattr(self, name)[:n])

    def teu_of(self, rows: np.ndarray) -> int:
        """TEU of the boxes in ``rows``: one per box and one more per 40 ft box (counting
        the 40 ft boxes is cheaper than summing the TEU column; ``take`` than indexing)."""
        return len(rows) + int(np.count_nonzero(self._forty.take(rows)))

    def columns(self, node_ids: list[str], flow_ids: list[str], route_ids: list[str],
                t0: np.datetime64, release: bool = False) -> dict[str, np.ndarray | Coded]:
        """One entry per container in each column, with names (:class:`Coded`) instead of
        codes and stage times as datetimes: the columns of :meth:`frame`, without pandas
        (made while the run lives; the frame once it is freed, :func:`table`).
        ``release``: the store lets go of each of its stage-time columns once converted
        (they are left empty: for a caller done with the store, as a replication making
        its containers table is; both copies of the times, ~90 MB for a million boxes,
        were held at once)."""
        def when(h):
            return hours_as_datetimes(h, t0)

        def stage(name: str) -> np.ndarray:
            h = getattr(self, name)
            if release:  # (a new empty array: a view would keep the times alive)
                setattr(self, name, np.empty(0, h.dtype))
            return when(h)

        cols: dict[str, np.ndarray | Coded] = {
            "container_id": np.arange(self.n, dtype=np.int64),
            "flow": Coded(self.flow.astype(np.int32), flow_ids),
            "origin": Coded(self.origin.astype(np.int32), node_ids),
            "destination": Coded(self.destination.astype(np.int32), node_ids),
            "route": Coded(self.route.astype(np.int32), route_ids),
            "size_ft": self.size_ft,
            "teu": self.teu,
            "created": stage("t_created"),
            "departed_origin": stage("t_depart_origin"),
        }
        met = [k for k in range(self.slots) if (self.crossing[k] >= 0).any()]
        for k in met:
            cols[f"crossing{k + 1}"] = Coded(self.crossing[k].astype(np.int32), node_ids)
        for s in CROSSING_STAGES:  # (stage by stage: each stage's slots released at once)
            hours = self.t_crossing[s]
            if release:
                self.t_crossing[s] = np.empty((self.slots, 0))
            for k in met:
                cols[f"crossing{k + 1}_{s}"] = when(hours[k])
            del hours
        cols["delivered"] = stage("t_delivered")
        return {c: cols[c] for c in self._column_order(met)}

    @staticmethod
    def _column_order(met: list[int]) -> list[str]:
        """The columns' order (the crossings' by slot, each slot's code then stages)."""
        names = ["container_id", "flow", "origin", "destination", "route", "size_ft", "teu",
                 "created", "departed_origin"]
        for k in met:
            names += [f"crossing{k + 1}", *(f"crossing{k + 1}_{s}" for s in CROSSING_STAGES)]
        return [*names, "delivered"]

    def frame(self, node_ids: list[str], flow_ids: list[str], route_ids: list[str],
              t0: np.datetime64):
        """One row per container (a pandas DataFrame) with names instead of codes and stage
        times as datetimes."""
        return table(self.columns(node_ids, flow_ids, route_ids, t0))


def hours_as_datetimes(h: np.ndarray, t0: np.datetime64) -> np.ndarray:
    """Model hours as datetimes (microseconds) from ``t0``; NaN -> NaT. The temporaries
    made in place: the same values, one float array fewer at once."""
    us = h * 3_600_000_000
    np.round(us, out=us)
    td = us.astype("timedelta64[us]")
    del us
    return t0 + td


@dataclass(frozen=True)
class Coded:
    """A categorical column before pandas: codes (int32, -1: none) into ``names``."""

    codes: np.ndarray
    names: list[str]


def table(cols: dict[str, np.ndarray | Coded]):
    """A pandas DataFrame of these columns, :class:`Coded` ones as categoricals. The arrays
    are not copied (copying them into one block per dtype held two copies of a run's
    containers table at once)."""
    import pandas as pd  # here: running the engine and its measures never loads pandas

    return pd.DataFrame({k: pd.Categorical.from_codes(v.codes, categories=v.names)
                         if isinstance(v, Coded) else v for k, v in cols.items()}, copy=False)
