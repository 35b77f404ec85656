"""``corridor compare``: paired differences between two result folders, written to a
comparison folder and summarised."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.commands.common import command_line, errors
from sim.cli.tables import comparison_summary
from sim.io.bundle import not_replaceable, unwritable_parent
from sim.scenario.problems import ConfigError, Problem
from sim.study.compare import compare, focus_problems, write_comparison


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare ``args.other`` with ``args.base``; write and (unless quiet) summarise."""
    try:
        table, facts = compare(args.base, args.other)
    except ConfigError as e:
        return errors(e.problems)
    kpis, scopes = tuple(args.kpis), tuple(args.scopes)
    problems = focus_problems(table, kpis, scopes)
    if problems:
        return errors(problems)
    if kpis or scopes:
        facts["focus"] = {"kpis": list(kpis), "scopes": list(scopes)}
    out = Path(args.out) if args.out else Path("results") / (
        f"compare-{facts['base']['scenario']}-vs-{facts['other']['scenario']}")
    if out.resolve() in (Path(args.base).resolve(), Path(args.other).resolve()):
        return errors([Problem(str(out), "--out", "is one of the folders compared (choose "
                               "another folder for the comparison)")])
    why = not_replaceable(out, "comparison") if out.exists() else unwritable_parent(out)
    if why:
        return errors([Problem(str(out), "--out", why)])
    try:
        write_comparison(table, facts, out, argv=command_line())
    except OSError as e:
        return errors([Problem(str(out), "--out", f"cannot write the comparison folder "
                               f"({e.strerror or e}); nothing was written")])
    if not args.quiet:
        print(comparison_summary(table, facts))
    print(f"wrote {out}/")
    return 0
