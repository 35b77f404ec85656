"""``corridor table``: many result folders side by side in one wide table (KPI by
scenario, mean and 95 % interval), written as CSV and as a spreadsheet, with a figure."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

from sim.cli.commands.common import command_line, errors
from sim.cli.tables import blocks
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
        print(_shown(formatted(table, [s["column"] for s in facts["scenarios"]]),
                     max(shutil.get_terminal_size((100, 24)).columns, 60)))
    print(f"wrote {out}/ (table.csv, table.xlsx, figures/)")
    return 0


def _shown(shown: pd.DataFrame, columns: int) -> str:
    """The table as printed: each row's label, unit and period from the left edge, then a
    column per scenario; scenarios that do not fit ``columns`` in blocks below, each with
    its own header (sim.cli.tables.blocks)."""
    scenarios = [c for c in shown.columns if c not in ("label", "unit", "period")]
    wl, wu, wp = (max(len(h), *(len(str(x)) for x in shown[c]))
                  for c, h in (("label", "KPI"), ("unit", "unit"), ("period", "period")))
    rows = [(f"{lab:{wl}s}  {unit:>{wu}s}  {str(p):>{wp}s}", list(cells))
            for lab, unit, p, *cells in shown[["label", "unit", "period", *scenarios]]
            .itertuples(index=False)]
    w_label = wl + wu + wp + 4
    title = f"{'KPI':{wl}s}  {'unit':>{wu}s}  {'period':>{wp}s}"
    return "\n".join(blocks(title, scenarios, rows, w_label, columns))
