"""``corridor run``: run a scenario's replications (or its calibration posterior) and
write the result folder; the output folder is checked before anything is simulated."""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from sim.cli.commands.common import errors, horizon, load, workers
from sim.cli.tables import run_summary
from sim.engine.output import Calendar
from sim.io.bundle import config_hash, not_replaceable, unwritable_parent, write_bundle
from sim.measure.kpis import output_problem
from sim.measure.location import scope_words
from sim.scenario.loading import load_scenario, resolved_dict
from sim.scenario.problems import ConfigError, Problem
from sim.scenario.schema import Scenario
from sim.study.calibration.fit import posterior_draws
from sim.study.replications import run, run_posterior


def cmd_run(args: argparse.Namespace) -> int:
    """Check the arguments and the output folder, run, write the folder, summarise."""
    scenario = load(args)
    if isinstance(scenario, int):
        return scenario
    problems = []
    if args.replications < 1:
        problems.append(Problem("<command line>", "--replications",
                                f"must be >= 1 (got {args.replications})"))
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("<command line>", "--workers",
                                f"must be >= 1 (got {args.workers})"))
    if args.precision is not None and not 0 < args.precision < 1:
        problems.append(Problem("<command line>", "--precision", "must be a fraction of the "
                                f"mean, > 0 and < 1 (got {args.precision:g}; 0.02 is 2 %)"))
    if args.precision is not None and args.max_replications < max(args.replications, 3):
        problems.append(Problem("<command line>", "--max-replications",
                                f"must be >= {max(args.replications, 3)} (the replications "
                                f"to start with; got {args.max_replications})"))
    if args.seed is not None and args.seed < 0:
        problems.append(Problem("<command line>", "--seed", f"must be >= 0 (got {args.seed})"))
    watched, found = precision_kpis(args.precision_kpis, scenario)
    problems += found
    if args.precision_kpis and args.precision is None:
        problems.append(Problem("<command line>", "--precision-kpi", "needs --precision "
                                "(the half-width to reach, e.g. 0.02)"))
    if args.out:
        out = Path(args.out)
    elif args.sets or args.horizon:  # never overwrite the plain scenario's results
        out = Path("results") / f"{scenario.name}-{config_hash(resolved_dict(scenario))[7:15]}"
    else:
        out = Path("results") / scenario.name
    if out.exists():
        why = not_replaceable(out)
        if why:
            problems.append(Problem(str(out), "--out", f"{why} (choose another folder, or "
                                    "remove it)"))
    else:
        why = unwritable_parent(out)
        if why:
            problems.append(Problem(str(out), "--out", why))
    if problems:
        return errors(problems)
    if args.posterior:
        if args.precision is not None:
            return errors([Problem("<command line>", "--precision", "cannot be combined "
                                   "with --posterior")])
        try:
            draws = [(d, load_scenario(args.file, overrides=d, set_args=args.sets,
                                       horizon=horizon(args)))
                     for d in posterior_draws(args.posterior, args.posterior_draws)]
        except ConfigError as e:
            return errors(e.problems)
        result = run_posterior(scenario, draws, seed=args.seed,
                               replications=args.replications, progress=not args.quiet,
                               keep_containers=not args.no_containers,
                               workers=workers(args.workers))
    else:
        result = run(scenario, seed=args.seed, replications=args.replications,
                     progress=not args.quiet, keep_containers=not args.no_containers,
                     workers=workers(args.workers), precision=args.precision,
                     max_replications=args.max_replications, watched=watched or None)
    try:
        write_bundle(result, out, scenario_path=str(Path(args.file).resolve()),
                     argv=["corridor", *sys.argv[1:]]
                     if sys.argv and Path(sys.argv[0]).name == "corridor" else None)
    except OSError as e:
        return errors([Problem(str(out), "--out", f"cannot write the result folder "
                               f"({e.strerror or e}); nothing was written")])
    if not args.quiet:
        print(run_summary(result.kpis, result.scenario.name, result.seed,
                          result.replications, result.extra.get("precision"),
                          columns=max(shutil.get_terminal_size((100, 24)).columns, 60),
                          posterior=result.extra.get("posterior")))
    print(f"wrote {out}/ in {result.wall_time_s:.1f} s")  # (quiet too: where it went)
    return 0


PRECISION_KPI = re.compile(r"^(?P<kpi>[a-z0-9_]+)(?::(?P<scope>[^@]+))?(?:@(?P<year>\d{4}))?$")


def precision_kpis(texts: list[str], scenario: Scenario
                   ) -> tuple[list[tuple[str, ...]], list[Problem]]:
    """The ``--precision-kpi`` entries as (name, scope[, year]), and one problem for each
    that is not a KPI, names nothing in the scenario or a year outside its horizon."""
    out: list[tuple[str, ...]] = []
    problems = []
    years = [label.split(" ")[0] for label, _a, _b in Calendar.of(scenario).years()]
    words = scope_words(resolved_dict(scenario)) if texts else set()
    for i, text in enumerate(texts):
        where = f"--precision-kpi[{i}]"
        m = PRECISION_KPI.match(text)
        if not m:
            problems.append(Problem("<command line>", where, f"'{text}' is not NAME, "
                                    "NAME:SCOPE, NAME@YEAR or NAME:SCOPE@YEAR"))
            continue
        kpi, scope, year = m["kpi"], m["scope"] or "all", m["year"]
        why = output_problem(kpi, scope, year, years, words, whole_run=False)
        if why:
            problems.append(Problem("<command line>", where, why))
        else:
            out.append((kpi, scope) if year is None else (kpi, scope, year))
    return out, problems
