from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.engine.facilities import slots
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError

HERE = Path(__file__).parent
TOY = HERE / "scenarios" / "toy.toml"
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture
def toy():
    return load_scenario(TOY)


def toy_with(**overrides):
    """The toy scenario with dotted-path overrides."""
    return load_scenario(TOY, overrides=overrides)


def child_writer(tmp_path: Path, monkeypatch, parent: str, needs: tuple[str, ...] = ()
                 ) -> Callable[[str], Path]:
    """Copy a test scenario (and the ones it extends, ``needs``) into ``tmp_path``, work
    there, and return a function that writes ``child.toml`` extending it with a text."""
    for name in (*needs, parent):
        shutil.copy(HERE / "scenarios" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)

    def write(text: str) -> Path:
        p = Path("child.toml")
        p.write_text(f'extends = "{parent}"\n' + text, encoding="utf-8")
        return p
    return write


@pytest.fixture
def level_puts(monkeypatch) -> list[tuple[int, float]]:
    """Every ``put`` on a :class:`sim.engine.facilities.slots.Level` (a yard, sidings) in
    the test, as (id of the level, amount), in order."""
    puts: list[tuple[int, float]] = []
    real = slots.Level.put

    def spy(self, amount):
        puts.append((id(self), amount))
        return real(self, amount)
    monkeypatch.setattr(slots.Level, "put", spy)
    return puts


def expect_errors(path: Path, lines: list[str] | tuple[str, ...]) -> None:
    """Loading the child scenario ``path`` (named child.toml) fails with exactly these
    problems, one line each, in order: a line is the child's unless it names its own file
    ("parent.toml: ..."), for a problem in what a parent set."""
    full = "\n".join(f"error: {line}" if re.match(r"[\w.-]+\.toml: ", line)
                     else f"error: child.toml: {line}" for line in lines)
    with pytest.raises(ConfigError, match=rf"\A{re.escape(full)}\Z") as info:
        load_scenario(path)
    assert len(info.value.problems) == len(lines)


def expect_override_error(path: Path, overrides: dict, line: str) -> None:
    """Loading ``path`` with ``overrides`` fails with exactly this one problem."""
    with pytest.raises(ConfigError) as e:
        load_scenario(path, overrides=overrides)
    assert str(e.value) == f"error: overrides: {line}"


def port_stages(out, port: str) -> dict:
    """Per box that reached ``port`` (in row order): its stage hours there."""
    v = out.ports[port].visits(out.calendar.end_h)
    o = np.argsort(v["row"])
    return {k: v[k][o] for k in ("arrive", "unloaded", "ready", "release", "depart")}


def rows_written(db: Path, at_least: int, timeout_s: float = 60.0) -> int:
    """The rows of table ``runs`` in the SQLite file ``db`` that another process (a sweep
    or an optimisation under test) writes, read every 50 ms until there are ``at_least``
    or ``timeout_s`` has passed: the count last read (0 while the file is not there or is
    locked)."""
    deadline = time.monotonic() + timeout_s
    committed = 0
    while time.monotonic() < deadline and committed < at_least:
        time.sleep(0.05)
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    committed = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    return committed


# what a study command prints when its --scheduler cannot be reached (the executor
# replaced by one that raises what DaskExecutor raises, at once)
UNREACHABLE = ("error: <command line>: --scheduler: cannot reach tcp://127.0.0.1:1 (Timed "
               "out trying to connect to tcp://127.0.0.1:1 after 10 s)\n")


def unreachable(workers, scheduler, dask_local):
    """An executor factory for a cluster out of reach."""
    raise OSError(f"Timed out trying to connect to {scheduler} after 10 s")
