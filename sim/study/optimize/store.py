"""``evaluations.sqlite``: the sweep's run store (:class:`sim.study.sweeps.store.Store`,
one row per finished run, keyed by (candidate, replication)) with two more tables: the
candidates as the sampler proposed them, and those the confirmation stage runs again.

A candidate is committed before any of its runs, and its runs as each batch returns, so
an optimisation killed at any moment loses only the runs in flight; on resume the
candidates already proposed are finished first and never proposed again.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.study.sweeps.store import Store


class OptimizeStore(Store):
    """The run store plus ``candidates`` (id, round, chosen value index of every
    decision) and ``confirmed`` (id, replications in all)."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS candidates (candidate INTEGER PRIMARY "
                        "KEY, round INTEGER NOT NULL, choice TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS confirmed (candidate INTEGER PRIMARY "
                        "KEY, replications INTEGER NOT NULL)")

    def candidates(self) -> list[tuple[int, int, list[int]]]:
        """(candidate, round, choice) of every proposed candidate, in order."""
        return [(c, r, json.loads(ch)) for c, r, ch in self.db.execute(
            "SELECT candidate, round, choice FROM candidates ORDER BY candidate")]

    def add_candidates(self, rows: list[tuple[int, int, list[int]]]) -> None:
        """Commit a round's candidates in one transaction (before any of them runs)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO candidates VALUES (?, ?, ?)",
                                [(c, r, json.dumps(ch)) for c, r, ch in rows])

    def confirmed(self) -> dict[int, int]:
        """The candidates of the confirmation stage: {candidate: replications in all}."""
        return dict(self.db.execute("SELECT candidate, replications FROM confirmed"))

    def confirm(self, rows: dict[int, int]) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO confirmed VALUES (?, ?)",
                                sorted(rows.items()))


__all__ = ["OptimizeStore"]
