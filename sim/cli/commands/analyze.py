"""``corridor analyze``: the sensitivity indices of a sweep folder, written next to it
and shown as a table; also the step ``plot`` and ``report`` take first on a sweep folder
that has no indices yet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import errors
from sim.cli.tables import indices_summary
from sim.io.bundle import unwritable_parent
from sim.scenario.problems import ConfigError, Problem
from sim.study.analyze import analyze, ensure_indices, write


def cmd_analyze(args: argparse.Namespace) -> int:
    """Check the arguments, analyse the sweep, write indices.csv/.json, show them."""
    if args.resamples < 10:
        return errors([Problem("<command line>", "--resamples",
                               f"must be >= 10 (got {args.resamples})")])
    if args.out:
        why = unwritable_parent(Path(args.out) / "indices.csv")
        if why:
            return errors([Problem(str(args.out), "--out", why)])
    try:
        a = analyze(args.dir, resamples=args.resamples)
    except ConfigError as e:
        return errors(e.problems)
    for field, why in a.facts["cautions"]:
        print(f"warning: {args.dir}: {field}: {why}", file=sys.stderr)
    paths = write(a, args.out or args.dir)
    if not args.quiet:
        shares = {out: facts["noise_share"] for out, facts in a.facts["outputs"].items()}
        text = indices_summary(a.table, a.method, shares)
        if text:
            print(text)
    for p in paths:
        print(f"wrote {p}")
    return 0


def analyze_first(folder: str) -> None:
    """A sweep folder without indices gets them first (``corridor analyze``): its figures
    and report show them."""
    written = ensure_indices(folder)
    if written:
        print(f"(analysed the sweep first: {written})", file=sys.stderr)
