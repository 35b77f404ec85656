"""What several commands share: printing problems as one-line errors (exit code 2),
loading the scenario of ``FILE --set ...``, and the default number of worker processes."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.io.atomic import write_text_atomic
from sim.scenario.loading import load_scenario
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem
from sim.scenario.span import parse_horizon

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def errors(problems: Iterable[Problem]) -> int:
    """Print each problem as one line on stderr; the exit code 2."""
    for prob in problems:
        print(prob.line(), file=sys.stderr)
    return 2


def horizon(args: argparse.Namespace) -> tuple[dt.date, dt.date] | None:
    """The dates of ``--horizon START:END`` (None: not given); ValueError if malformed."""
    text = getattr(args, "horizon", None)
    return parse_horizon(text) if text is not None else None


def load(args: argparse.Namespace) -> Scenario | int:
    """The scenario of ``args.file`` with its ``--set`` overrides and its ``--horizon``,
    or the exit code 2; its warnings (dated changes the horizon dropped or moved, a short
    warm-up, ships added to a timetable service that keeps its timetable already) printed
    one line each on stderr."""
    try:
        span = horizon(args)
    except ValueError as e:
        return errors([Problem("<command line>", "--horizon", str(e))])
    notes: list[Problem] = []
    try:
        scenario = load_scenario(args.file, set_args=args.sets, horizon=span, notes=notes)
    except ConfigError as e:
        return errors(e.problems)
    for note in notes:
        print(note.line("warning"), file=sys.stderr)
    return scenario


def workers(asked: int | None) -> int:
    """The worker processes to use: as ``--workers`` asked, else one per core."""
    return asked or os.cpu_count() or 1


def command_line() -> list[str]:
    """This command line, as recorded in the manifests (``corridor ARGS...``)."""
    return ["corridor", *sys.argv[1:]]


# what reading a damaged folder may raise that no check foresaw: said in one line, never a
# traceback, and nothing half-written (the writers are atomic)
UNFORESEEN = (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError)


def unforeseen(folder: str, doing: str, e: BaseException, left: str) -> int:
    """Exit code 2 with one line for an unforeseen error ``e`` while ``doing`` something
    with ``folder`` (``left``: what is left on disk)."""
    return errors([Problem(str(folder), WHOLE_FILE, f"cannot {doing} ({type(e).__name__}: "
                           f"{' '.join(str(e).split())[:200]}); {left}")])


def executor_problems(args: argparse.Namespace) -> list[Problem]:
    """What is wrong with a study's executor options (--workers, --dask-local,
    --scheduler), one problem each."""
    problems = []
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("<command line>", "--workers",
                                f"must be >= 1 (got {args.workers})"))
    if args.dask_local is not None and args.dask_local < 1:
        problems.append(Problem("<command line>", "--dask-local",
                                f"must be >= 1 (got {args.dask_local})"))
    if args.scheduler and args.dask_local:
        problems.append(Problem("<command line>", "--scheduler", "give --scheduler or "
                                "--dask-local, not both"))
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        problems.append(Problem("<command line>", "--scheduler", f"'{args.scheduler}' is not "
                                "a scheduler address (tcp://HOST:PORT)"))
    if (args.scheduler or args.dask_local) and args.workers is not None:
        problems.append(Problem("<command line>", "--workers", "local workers and a Dask "
                                "cluster exclude each other"))
    return problems


def cluster_error(args: argparse.Namespace, e: OSError) -> int:
    """Exit code 2 with one line if ``e``, raised by a study on a Dask cluster, says its
    ``--scheduler`` cannot be reached (timed out, or no connection); else ``e`` again."""
    if "Timed out" in str(e) or "connect" in str(e).lower():
        return errors([Problem("<command line>", "--scheduler", f"cannot reach "
                               f"{args.scheduler} ({e})")])
    raise e


def write_page(out: Path, text: str) -> int:
    """Write a generated page atomically and say so; exit code 2 with one line if it
    cannot be written."""
    try:
        write_text_atomic(out, text)
    except OSError as e:
        return errors([Problem(str(out), "--write", f"cannot write ({e.strerror or e}); "
                               "nothing was written")])
    print(f"wrote {out}")
    return 0
