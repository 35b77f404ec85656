"""``corridor sweep``: run (or resume) a sensitivity sweep on local processes or a Dask
cluster; every finished run is kept, so an interrupted sweep resumes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import cluster_error, command_line, errors, executor_problems, workers
from sim.cli.tables import sweep_summary
from sim.io.bundle import unwritable_parent
from sim.scenario.problems import ConfigError, Problem
from sim.study.sweeps import load_sweep, run_sweep


def cmd_sweep(args: argparse.Namespace) -> int:
    """Check the arguments and the executor, run the sweep, summarise."""
    problems = executor_problems(args)
    if problems:
        return errors(problems)
    if args.scheduler or args.dask_local:
        try:  # Dask is heavy and optional: loaded only when a cluster is asked for
            import distributed  # noqa: F401
        except ImportError:
            return errors([Problem("<command line>", "--scheduler" if args.scheduler else
                                   "--dask-local", "Dask is not installed (pip install "
                                   "'dask[distributed]')")])
    why = unwritable_parent(Path(args.out) / "sweep.json")
    if why:
        return errors([Problem(str(args.out), "--out", why)])
    try:
        sweep = load_sweep(args.spec)
        for note in sweep.notes:  # the base fitted to the spec's horizon: said once
            print(note.line("warning"), file=sys.stderr)
        s = run_sweep(sweep, args.out, workers=workers(args.workers),
                      scheduler=args.scheduler, dask_local=args.dask_local,
                      restart=args.restart, retry_failed=args.retry_failed,
                      progress=not args.quiet, command=command_line())
    except ConfigError as e:
        return errors(e.problems)
    except KeyboardInterrupt:
        print(f"interrupted: the finished runs are saved in {args.out}/ (runs.sqlite, "
              "runs.parquet); run the same command again to resume", file=sys.stderr)
        return 130
    except OSError as e:
        return cluster_error(args, e)
    for w in s.warnings:
        print(f"warning: {args.spec}: {w}", file=sys.stderr)
    if not args.quiet:
        print(sweep_summary(sweep.spec.method, sweep.points, sweep.spec.replications, s))
    if s.failed_total:
        print(f"{s.failed_total} run(s) failed: their errors are in {args.out}/runs.parquet "
              "(column 'error'); rerun with --retry-failed to try them again", file=sys.stderr)
    print(f"wrote {args.out}/runs.parquet")
    return 0
