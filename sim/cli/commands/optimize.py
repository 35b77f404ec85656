"""``corridor optimize``: choose whole-number and dated decisions at least cost subject to
service targets (or trace cost against a KPI), on local processes or a Dask cluster;
every evaluation is kept, so an interrupted optimisation resumes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import cluster_error, command_line, errors, executor_problems, workers
from sim.io.bundle import unwritable_parent
from sim.scenario.problems import ConfigError, Problem
from sim.study.optimize import load_optimization, run_optimization
from sim.study.optimize.search import redundant_count


def cmd_optimize(args: argparse.Namespace) -> int:
    """Check the arguments, run (or resume) the optimisation, print the best bundle."""
    problems = executor_problems(args)
    if problems:
        return errors(problems)
    why = unwritable_parent(Path(args.out) / "manifest.json")
    if why:
        return errors([Problem(str(args.out), "--out", why)])
    try:
        opt = load_optimization(args.spec)
        for note in opt.notes:  # the base fitted to the spec's horizon: said once
            print(note.line("warning"), file=sys.stderr)
        if args.check:
            idle = redundant_count(opt)
            print(f"{args.spec}: valid; {len(opt.spec.decisions)} decision(s), "
                  f"{opt.space():,} candidates possible"
                  + (f" ({idle:,} of them never run: a decision in them does nothing, "
                     "its 'inactive_when')" if idle else "")
                  + f", budget {opt.spec.budget} x {opt.spec.replications} replication(s)")
            return 0
        s = run_optimization(opt, args.out, workers=workers(args.workers),
                             scheduler=args.scheduler, dask_local=args.dask_local,
                             restart=args.restart, progress=not args.quiet,
                             command=command_line())
    except ConfigError as e:
        return errors(e.problems)
    except KeyboardInterrupt:
        print(f"interrupted: the finished evaluations are saved in {args.out}/ "
              "(evaluations.sqlite, evaluations.parquet); run the same command again to "
              "resume", file=sys.stderr)
        return 130
    except OSError as e:
        return cluster_error(args, e)
    for w in s.warnings:
        print(f"warning: {args.spec}: {w}", file=sys.stderr)
    if s.failed_runs:
        print(f"{s.failed_runs} run(s) failed: their candidates are infeasible (column "
              f"'error' of {args.out}/evaluations.parquet)", file=sys.stderr)
    if not args.quiet:
        print((Path(args.out) / "best.md").read_text(encoding="utf-8"))
    print(f"wrote {args.out}/best.md, best.json and evaluations.parquet "
          f"({s.evaluated} candidates, {s.ran} runs this time, {s.wall_s:.1f} s)")
    return 0
