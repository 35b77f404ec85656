"""``corridor sources``: where a scenario file's numbers come from — per value it sets, the
citation beside it and its kind (sourced, fitted, assumption, GK-unverified, uncited) —
printed, or written as the page ``docs/sources-baseline.md``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import errors, write_page
from sim.scenario.citations import cited_values, counts, markdown
from sim.scenario.problems import WHOLE_FILE, Problem


def cmd_sources(args: argparse.Namespace) -> int:
    """Print the counts by kind (and with ``--table`` the table), or ``--write`` the page."""
    path = Path(args.file)
    if not path.is_file():
        return errors([Problem(str(path), WHOLE_FILE, "no such scenario file")])
    try:
        rows = cited_values(path)
    except (OSError, UnicodeDecodeError) as e:
        return errors([Problem(str(path), WHOLE_FILE, f"cannot be read ({e})")])
    text = markdown(path, rows, args.file)
    if args.write:
        return write_page(Path(args.write), text)
    if args.table:
        sys.stdout.write(text)
        return 0
    c = counts(rows)
    print(f"{args.file}: {len(rows)} values set in this file (its parents' not counted): "
          + ", ".join(f"{n} {k}" for k, n in c.items()))
    for r in rows:
        if r.kind in ("uncited", "unverified") and args.verbose:
            print(f"  line {r.line}: {r.path} = {r.value}  [{r.kind}] {r.citation}")
    return 0
