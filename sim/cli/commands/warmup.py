"""``corridor warmup``: the doubling test of a scenario's warm-up
(:mod:`sim.study.warmup`), printed and, if asked, written as CSV."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from sim.cli.commands.common import errors, load, workers
from sim.cli.tables import warmup_summary
from sim.io.atomic import write_text_atomic
from sim.io.bundle import unwritable_parent
from sim.scenario.problems import ConfigError, Problem
from sim.study.warmup import check_warmup, default_days, warmup_problems, window


def cmd_warmup(args: argparse.Namespace) -> int:
    """Check the arguments and the scenario, run the test, print (and write) its table."""
    scenario = load(args)
    if isinstance(scenario, int):
        return scenario
    days = args.days if args.days else default_days(scenario.horizon.warmup_days)
    problems = warmup_problems(days, args.window, args.replications, args.seed,
                               args.workers)
    if args.out:
        out = Path(args.out)
        why = ("is a folder (give a file name, e.g. results/warmup.csv)" if out.is_dir()
               else unwritable_parent(out))
        if why:
            problems.append(Problem(str(args.out), "--out", why))
    if problems:
        return errors(problems)
    if not args.quiet:
        start, end = window(scenario, args.window)
        print(f"running {scenario.name} over {start} .. {end} (exclusive) with warm-ups of "
              f"{', '.join(str(d) for d in sorted(set(days)))} days, {args.replications} "
              "replications each", file=sys.stderr)
    try:
        check = check_warmup(args.file, days, args.window, args.replications, args.seed,
                             args.sets, workers(args.workers), progress=not args.quiet)
    except ConfigError as e:  # (a longer warm-up reaching a dated change it cannot take)
        return errors(e.problems)
    print(warmup_summary(check.table, scenario.name, check.window, check.reference_days,
                         check.replications, check.seed, check.longest_transit,
                         columns=max(shutil.get_terminal_size((100, 24)).columns, 60)))
    if args.out:
        try:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(Path(args.out), check.table.to_csv(index=False))
        except OSError as e:
            return errors([Problem(str(args.out), "--out", f"cannot write the table "
                                   f"({e.strerror or e}); nothing was written")])
        print(f"wrote {args.out}")
    return 0
