"""``corridor table``: many result folders side by side in one wide table (KPI by
scenario, mean and 95 % interval), written as CSV and as a spreadsheet, with a figure."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.commands.common import command_line, errors
from sim.io.bundle import not_replaceable, unwritable_parent
from sim.plots.table import table_figure
from sim.scenario.problems import ConfigError, Problem
from sim.study.table import Selection, formatted, wide_table, write_table


def cmd_table(args: argparse.Namespace) -> int:
    """Build the table of ``args.folders``; write it and (unless quiet) print it."""
    try:
        table, facts = wide_table(args.folders, Selection(tuple(args.kpis),
                                                          tuple(args.periods)))
    except ConfigError as e:
        return errors(e.problems)
    out = Path(args.out) if args.out else Path("results") / "table"
    if out.resolve() in {Path(f).resolve() for f in args.folders}:
        return errors([Problem(str(out), "--out", "is one of the folders tabled (choose "
                               "another folder for the table)")])
    why = not_replaceable(out, "table") if out.exists() else unwritable_parent(out)
    if why:
        return errors([Problem(str(out), "--out", why)])
    try:
        write_table(table, facts, out, argv=command_line(), figure=table_figure)
    except OSError as e:
        return errors([Problem(str(out), "--out", f"cannot write the table folder "
                               f"({e.strerror or e}); nothing was written")])
    if not args.quiet:
        columns = [s["column"] for s in facts["scenarios"]]
        shown = formatted(table, columns).rename(columns={"label": "KPI"})
        width = max([3, *(len(x) for x in shown["KPI"])])
        shown["KPI"] = shown["KPI"].str.ljust(width)  # labels read from the left
        shown = shown.rename(columns={"KPI": "KPI".ljust(width)})
        print(shown.to_string(index=False, max_colwidth=width))
    print(f"wrote {out}/ (table.csv, table.xlsx, figures/)")
    return 0
