"""``corridor calibrate``: the point fit of the free parameters to the targets, then
(``--abc N``) rejection ABC around it; resumable from the output folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import command_line, errors, workers
from sim.cli.tables import abc_summary, parameter_values
from sim.scenario.problems import ConfigError, Problem
from sim.study.calibration.fit import abc_around, fit, write_outputs
from sim.study.calibration.inputs import (
    Parameters,
    Targets,
    load_parameters,
    load_targets,
    targets_in_scenario,
)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Check the arguments and inputs, fit, write the outputs, report."""
    problems = []
    for flag, v, least in (("--budget", args.budget, 1), ("--replications",
                                                          args.replications, 1),
                           ("--seed", args.seed, 0), ("--abc", args.abc, 0)):
        if v < least:
            problems.append(Problem("<command line>", flag, f"must be >= {least} (got {v})"))
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("<command line>", "--workers",
                                f"must be >= 1 (got {args.workers})"))
    if not 0 < args.abc_box <= 1:
        problems.append(Problem("<command line>", "--abc-box", f"must be > 0 and <= 1 (got "
                                f"{args.abc_box:g})"))
    if args.save:
        save = Path(args.save)
        if save.is_dir():
            problems.append(Problem("<command line>", "--save", f"'{save}' is a folder (give "
                                    "a file, e.g. my/calibrated.toml)"))
        elif not save.parent.is_dir():
            problems.append(Problem("<command line>", "--save", f"no folder '{save.parent}' "
                                    "to write it in (create it first)"))
    if problems:
        return errors(problems)
    targets = params = scenario = None
    try:
        targets = load_targets(args.targets)
    except ConfigError as e:
        problems += e.problems
    try:
        params, scenario = load_parameters(args.params)
    except ConfigError as e:
        problems += e.problems
    if targets is not None and scenario is not None:
        problems += targets_in_scenario(targets, scenario)
    if problems or targets is None or params is None:
        return errors(problems)
    base = Path(args.params).parent / params.scenario
    out = Path(args.out)
    try:
        return _calibrate(args, targets, params, base, out)
    except ConfigError as e:
        return errors(e.problems)
    except KeyboardInterrupt:
        kept = _lines(out / "evaluations.jsonl")
        if not kept:
            raise  # nothing was written: said by sim.cli.main
        print(f"interrupted: the {kept} evaluation(s) so far are kept in "
              f"{out / 'evaluations.jsonl'}; run the same command again to resume",
              file=sys.stderr)
        return 130


def _calibrate(args: argparse.Namespace, targets: Targets, params: Parameters, base: Path,
               out: Path) -> int:
    """Fit, write the outputs, then ABC (``--abc N``); print the report."""
    result = fit(base, params, targets, out, seed=args.seed,
                 replications=args.replications, budget=args.budget,
                 workers=workers(args.workers), progress=not args.quiet,
                 restart=args.restart)
    write_outputs(result, base, params, out, command=command_line(),
                  save=args.save, seed=args.seed, replications=args.replications)
    files = ["report.md", "report.json", "calibrated.toml", "evaluations.jsonl",
             "manifest.json"]
    if args.abc:
        post = abc_around(result, base, params, targets, out, n=args.abc, box=args.abc_box,
                          seed=args.seed, replications=args.replications,
                          workers=workers(args.workers), progress=not args.quiet)
        print(abc_summary(post, params.parameters))
        files += ["posterior.parquet", "posterior.json"]
    if not args.quiet:
        print((out / "report.md").read_text(encoding="utf-8"))
        if result.params:
            print(parameter_values(result.params))
    elif not result.converged:
        print(f"the fit stopped at the budget ({result.evaluations} evaluations) before "
              "converging: a larger --budget with the same command goes on from here",
              file=sys.stderr)
    print(f"wrote {out}/ ({', '.join(files)})"
          + (f" and {args.save}" if args.save else ""))
    return 0


def _lines(path: Path) -> int:
    """How many lines a file has (0 if it is missing)."""
    try:
        return len(path.read_text(encoding="utf-8").splitlines())
    except OSError:
        return 0
