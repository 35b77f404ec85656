"""``runs.sqlite``: the run store of a sweep folder, one row per finished run.

Each batch's rows are committed in one transaction as the batch returns, so a sweep
killed at any moment loses only the runs in flight; the primary key on (point,
replication) forbids duplicates (a row already there is kept).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.study.sweeps.worker import RunRow


class Store:
    """``runs.sqlite``: one row per finished run, committed as each batch returns."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS runs (point INTEGER NOT NULL, "
                        "replication INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, "
                        "outputs TEXT NOT NULL, wall_s REAL, "
                        "PRIMARY KEY (point, replication))")

    def done(self) -> dict[tuple[int, int], str]:
        """The status of every stored run, by (point, replication)."""
        return {(p, r): s for p, r, s in
                self.db.execute("SELECT point, replication, status FROM runs")}

    def add(self, rows: list[RunRow]) -> int:
        """Insert rows in one transaction; a row already there is kept (never duplicated).
        Returns how many were new."""
        with self.db:
            self.db.execute("BEGIN")
            before = self.db.total_changes
            self.db.executemany("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                                [(p, r, s, e, json.dumps(v), w) for p, r, s, e, v, w in rows])
            return self.db.total_changes - before

    def forget_failed(self) -> int:
        """Delete the failed runs (to run them again); how many there were."""
        with self.db:
            return self.db.execute("DELETE FROM runs WHERE status != 'ok'").rowcount

    def rows(self) -> list[RunRow]:
        """Every stored run, by point and replication."""
        return [(p, r, s, e, json.loads(v), w) for p, r, s, e, v, w in self.db.execute(
            "SELECT point, replication, status, error, outputs, wall_s FROM runs "
            "ORDER BY point, replication")]

    def close(self) -> None:
        self.db.close()


__all__ = ["Store"]
