"""Where a sweep's runs go: this process (:class:`InlineExecutor`), worker processes on
this machine (:class:`LocalExecutor`), or a Dask cluster, started here on loopback or
already running (:class:`DaskExecutor`). :func:`executor` picks one from the command's
options.

Every executor takes batches of runs (:func:`sim.study.sweeps.worker.run_batch`) and
hands back futures; :meth:`Executor.recover` is called after a worker died, with whether
the pool itself is broken.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim import __version__
from sim.scenario.problems import ConfigError, Problem
from sim.study.replications import abort_pool, mp_context, watch_parent
from sim.study.sweeps.worker import Job, RunContext, RunRow, run_batch

Batch = list[Job]


class Executor(Protocol):
    """What the runner asks of an executor."""

    workers: int

    def submit(self, ctx: RunContext, batch: Batch) -> Any:
        """Start a batch; a future whose ``result()`` is the batch's rows."""

    def wait(self, futures: Iterable[Any]) -> Iterable[Any]:
        """Block until at least one of ``futures`` is done; those done."""

    def recover(self, broken: bool) -> None:
        """Make the executor usable again after a worker died (``broken``: the pool too)."""

    def close(self) -> None:
        """Stop the workers (and a cluster started here)."""

    def abort(self) -> None:
        """Stop at once (Ctrl-C): the runs under way are dropped, to be run again on
        resume; those finished are in the store already."""


def executor(workers: int | None, scheduler: str | None, dask_local: int | None) -> Executor:
    """A Dask cluster if asked for one, else worker processes, else this process."""
    if scheduler or dask_local:
        return DaskExecutor(scheduler, dask_local)
    if workers is None or workers <= 1:
        return InlineExecutor()
    return LocalExecutor(workers)


def is_broken(e: BaseException) -> bool:
    """Whether an error means the process pool broke (a worker process died)."""
    return isinstance(e, BrokenProcessPool)


def version() -> str:
    """The package version (called on Dask workers, to compare with this one)."""
    return __version__


class LocalExecutor:
    """Worker processes on this machine (forked from a server that imported the model)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._start()

    def _start(self) -> None:
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp_context(),
                                        initializer=watch_parent, initargs=(os.getpid(),))

    def submit(self, ctx: RunContext, batch: Batch) -> Future[list[RunRow]]:
        return self.pool.submit(run_batch, ctx, batch)

    def wait(self, futures: Iterable[Any]) -> Iterable[Any]:
        return wait(futures, return_when=FIRST_COMPLETED).done

    def recover(self, broken: bool) -> None:
        if broken:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self._start()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        abort_pool(self.pool)


class _InlineFuture:
    def __init__(self, value: list[RunRow]):
        self._v = value

    def result(self) -> list[RunRow]:
        return self._v


class InlineExecutor:
    """One worker: this process (no pickling, no start-up)."""

    workers = 1

    def submit(self, ctx: RunContext, batch: Batch) -> _InlineFuture:
        return _InlineFuture(run_batch(ctx, batch))

    def wait(self, futures: Iterable[Any]) -> Iterable[Any]:
        return set(futures)

    def recover(self, broken: bool) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class DaskExecutor:
    """A Dask cluster: an existing scheduler (``tcp://HOST:PORT``) or a local cluster of
    ``local`` worker processes started here on loopback and stopped at the end."""

    def __init__(self, scheduler: str | None = None, local: int | None = None):
        from distributed import Client, LocalCluster  # Dask loaded only when asked for
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(n_workers=local, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            self.client = Client(scheduler, timeout="10s")
            self._same_version(scheduler)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self._ctx: dict = {}

    def _same_version(self, scheduler: str) -> None:
        """Every worker of an existing cluster must run this version of the model: a run
        is a pure function of (spec, point, replication) only for one version."""
        try:
            found = self.client.run(version)
        except Exception as e:  # noqa: BLE001 — whatever the workers raise, say it
            self.client.close()
            raise ConfigError([Problem("<command line>", "--scheduler", f"the workers at "
                                       f"{scheduler} cannot run corridor-sim "
                                       f"({type(e).__name__}: {e})")]) from None
        other = sorted({v for v in found.values() if v != version()})
        if other:
            self.client.close()
            raise ConfigError([Problem("<command line>", "--scheduler", f"workers at "
                                       f"{scheduler} run corridor-sim {', '.join(other)}, "
                                       f"this is {version()} (install the same version "
                                       "on every worker)")])

    def submit(self, ctx: RunContext, batch: Batch) -> Any:
        if ctx.fingerprint not in self._ctx:
            self._ctx[ctx.fingerprint] = self.client.scatter(ctx, broadcast=True)
        return self.client.submit(run_batch, self._ctx[ctx.fingerprint], batch, pure=False)

    def wait(self, futures: Iterable[Any]) -> Iterable[Any]:
        from distributed import wait as dask_wait
        return dask_wait(list(futures), return_when="FIRST_COMPLETED").done

    def recover(self, broken: bool) -> None:
        # the scheduler reschedules work lost with a worker itself; the context is
        # scattered again in case the workers that held it are gone
        self._ctx.clear()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def abort(self) -> None:
        self.close()


__all__ = ["Executor", "executor", "is_broken", "version", "LocalExecutor", "InlineExecutor",
           "DaskExecutor"]
