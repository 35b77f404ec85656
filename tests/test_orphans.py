"""Worker processes do not outlive the command that started them: killed alone (``kill
PID``, ``kill -9``, a supervisor), a sweep or a run's replications leave no worker, fork
server or resource tracker behind waiting for ever."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path

import pytest

from sim.study.replications import abort_pool, mp_context, watch_parent
from tests.conftest import rows_written
from tests.golden import ROOT
from tests.test_sweep import model_spec

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="reads the processes from /proc (Linux)")



@contextlib.contextmanager
def started(cmd: list[str], **popen) -> Iterator[subprocess.Popen]:
    """``cmd`` started in a session of its own (``popen``: more of Popen's arguments), its
    whole process group killed at the end whatever happened."""
    proc = subprocess.Popen(cmd, start_new_session=True, **popen)
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def session_processes(sid: int) -> list[int]:
    """The processes still alive in session ``sid`` (Linux: from /proc; zombies not counted)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":   # session id, state
            pids.append(int(stat.parent.name))
    return pids


def ended(sid: int, timeout_s: float = 10.0) -> bool:
    """Whether every process of session ``sid`` ends within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while session_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return session_processes(sid) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_end_when_the_sweep_process_is_killed(tmp_path):
    """``kill -9`` of the sweep process alone (not its process group, as ``kill PID`` or
    a supervisor does): its worker processes and their fork server end within seconds
    instead of waiting for ever on a queue whose other end they hold themselves — even
    while the killed process is a zombie its own parent has not reaped yet."""
    p = model_spec(tmp_path, model="slow", method="lhs", samples=400, replications=1,
                   outputs='["y"]')
    db = tmp_path / "out" / "runs.sqlite"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(p), "--out", str(tmp_path / "out"),
           "--workers", "2", "--quiet"]
    with started(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        committed = rows_written(db, 4)
        assert committed >= 4 and len(session_processes(proc.pid)) >= 3
        os.kill(proc.pid, signal.SIGKILL)       # the sweep process only,
        assert ended(proc.pid)                  # not reaped yet (a zombie), and
        proc.wait(timeout=30)                   # reaped


def test_replication_workers_end_when_the_run_process_is_killed(tmp_path):
    """The same for ``corridor run --replications``: its helper processes end when it is
    killed alone."""
    cmd = [sys.executable, "-m", "sim.cli", "run", str(ROOT / "scenarios" / "baseline.toml"),
           "--horizon", "2024-01-01:2024-07-01", "--replications", "6", "--workers", "2",
           "--no-containers", "--quiet", "--out", str(tmp_path / "out")]
    with started(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        deadline = time.monotonic() + 60
        while len(session_processes(proc.pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # this process, the resource tracker, fork server, a worker
        assert len(session_processes(proc.pid)) >= 4 and proc.poll() is None
        time.sleep(0.5)                         # the worker at its replication
        os.kill(proc.pid, signal.SIGKILL)       # the run process only
        proc.wait(timeout=30)
        assert ended(proc.pid)
        assert not (tmp_path / "out").exists()


def test_ctrl_c_stops_a_sweep_and_its_workers_at_once_without_a_traceback(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal or ``timeout -s INT``
    sends it): the sweep says how to resume and exits 130 within seconds, no worker
    prints a traceback or stays behind (before, a worker could die of it while idle, or
    the pool wait for ever on one that never got its stop), and the same command then
    finishes the sweep."""
    p = model_spec(tmp_path, model="slow", method="lhs", samples=120, replications=1,
                   outputs='["y"]')
    db = tmp_path / "out" / "runs.sqlite"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(p), "--out", str(tmp_path / "out"),
           "--workers", "2", "--quiet"]
    with started(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        assert rows_written(db, 4) >= 4
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=20)[1]
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "run the same command again to resume" in err
        assert ended(proc.pid)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 120


def _sigint_handler() -> str:
    return repr(signal.getsignal(signal.SIGINT))


def test_pool_workers_leave_ctrl_c_to_the_process_that_started_them():
    """The workers ignore SIGINT (a worker idle when Ctrl-C came died with a traceback, or
    left the pool waiting for it); abort_pool then ends them at once, a task under way
    with them."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp_context(), initializer=watch_parent,
                             initargs=(os.getpid(),)) as pool:
        assert pool.submit(_sigint_handler).result(timeout=30) == repr(signal.SIG_IGN)
        busy = pool.submit(time.sleep, 30)
        worker = next(iter(pool._processes.values()))
        t0 = time.monotonic()
        abort_pool(pool)
        worker.join(timeout=20)  # (well short of the task's 30 s, with room for a
        assert not worker.is_alive() and time.monotonic() - t0 < 20  # loaded machine)
        # the task under way ends with its worker: the pool's own thread marks it broken
        # when it sees the worker gone, a moment later on a loaded machine (not 30 s later)
        wait([busy], timeout=max(20 - (time.monotonic() - t0), 0.0))
        assert busy.done()
