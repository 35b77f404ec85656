"""``corridor schema``: print the reference of the scenario fields (all of them, or those
under a dotted prefix) as Markdown or JSON, or regenerate the page ``docs/fields.md``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.commands.common import errors, write_page
from sim.scenario.problems import Problem, did_you_mean
from sim.scenario.reference import placeholder_path, prefixes
from sim.scenario.reference_text import as_json, markdown


def cmd_schema(args: argparse.Namespace) -> int:
    """Print (or with ``--write`` write) the field reference; exit 2 for an unknown
    prefix or an unwritable file."""
    prefix = placeholder_path(args.prefix) if args.prefix else ""
    if prefix and prefix not in prefixes():
        return errors([Problem("<command line>", "PREFIX", f"unknown field '{args.prefix}' "
                               f"({did_you_mean(prefix, prefixes())})")])
    if args.write and prefix:
        return errors([Problem("<command line>", "--write", "writes the whole reference; "
                               "give no PREFIX with it")])
    if args.format == "json":
        text = as_json(prefix)
    else:  # the page as it is rendered (<id> escaped); on the terminal as it is read
        text = markdown(prefix, html=bool(args.write))
    if not args.write:
        sys.stdout.write(text)
        return 0
    return write_page(Path(args.write), text)
