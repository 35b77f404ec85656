"""``corridor plot``: draw the figure set of a result folder, from its files alone."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.analyze import analyze_first
from sim.cli.commands.common import UNFORESEEN, errors, unforeseen
from sim.plots.kinds import read_folder, save_figure_set
from sim.scenario.problems import ConfigError


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw the figures of ``args.dir`` into ``--out``; print their paths, then notes."""
    try:
        folder = read_folder(args.dir)
        analyze_first(args.dir)
        out = Path(args.out) if args.out else folder.path / "figures"
        written = save_figure_set(folder, out, args.format)
    except ConfigError as e:
        return errors(e.problems)
    except UNFORESEEN as e:
        return unforeseen(args.dir, "draw the figures", e, "no figures were written")
    for p in written:
        print(p)
    for note in folder.notes:
        print(f"({note})", file=sys.stderr)
    return 0
