"""Where a scenario file's numbers come from: one row per value it sets, with the citation
written beside it (its comment, or its table's ``source``) and what kind of citation that
is — a cited source, an ``assumption`` with its reason, a figure marked ``GK-unverified``
(general knowledge, no primary source found yet), or none. Read from the file's text: the
citations are comments, which a TOML parser drops.

The kinds, by the words of the citation (the first that applies):

* ``unverified``: says ``GK-unverified``;
* ``assumption``: says ``assumption``;
* ``sourced``: names a section of the fact sheets (``§``, ``corridor-facts``, ``econ``,
  ``research``), an address (``http``) or an outlet with its year ("Portnews 2022-06-30");
* ``fitted``: the file was written by the calibration (``corridor calibrate``: its
  values are the fit's);
* ``uncited``: anything else, or nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

KINDS = ("sourced", "fitted", "assumption", "unverified", "uncited")
_KEY = re.compile(r'^\s*("[^"]+"|[A-Za-z0-9_\-.]+)\s*=\s*(.*)$')
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
# an outlet's date ("Portnews 2022-06-30"), or a capitalised outlet and a year ("Mehr
# News 2018"); not a bare year ("reports 2023 and 2024")
_DATED = re.compile(r"\b(19[89]\d|20[0-2]\d)-\d\d-\d\d\b")
_OUTLET_YEAR = re.compile(r"\b[A-Z][A-Za-z.&]+(?: [A-Z][A-Za-z.&]+)* \(?(19[89]\d|20[0-2]\d)\b")
# keys that describe rather than set a number
_TEXT_KEYS = {"name", "description", "source", "note", "extends", "kind", "from", "to",
              "country", "region", "corridor"}


@dataclass(frozen=True)
class Cited:
    """One value a scenario file sets."""

    line: int        # 1-based line of the file
    path: str        # dotted: table.key
    value: str       # as written (shortened)
    citation: str    # the comment beside it, else its table's source
    kind: str        # one of KINDS


def kind_of(citation: str) -> str:
    """The kind of a citation (see the module's docstring)."""
    text = citation.lower()
    if "gk-unverified" in text or "unverified" in text:
        return "unverified"
    if "assumption" in text:
        return "assumption"
    if any(w in text for w in ("§", "corridor-facts", "econ", "research", "http")):
        return "sourced"
    if _DATED.search(citation) or _OUTLET_YEAR.search(citation):  # an outlet and its date
        return "sourced"
    return "uncited"


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of a TOML line: the first '#' outside a string."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def cited_values(path: str | Path) -> list[Cited]:
    """Every value a scenario file sets, with its citation and kind (a table's ``source``
    cites the values of the table, and of the tables within it, whose own comment cites
    nothing: no comment, or a working or a note)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    fitted = bool(lines) and lines[0].startswith("# Written by corridor calibrate")
    rows: list[tuple[int, str, str, str]] = []   # (line, path, value, own comment)
    sources: dict[str, str] = {}                 # table -> its source string
    table, depth, in_string = "", 0, False
    for n, raw in enumerate(lines, 1):
        if in_string:  # inside a multi-line string
            in_string = raw.count('"""') % 2 == 0
            continue
        code, comment = _split_comment(raw)
        if depth:  # a value continued over lines (its comments are its own); the closing
            # bracket ends it
            depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
            if comment and rows:
                n0, full0, value0, comment0 = rows[-1]
                rows[-1] = (n0, full0, value0, f"{comment0} {comment}".strip())
            continue
        m = _HEADER.match(raw)
        if m and not _KEY.match(code):
            table = m.group(1).replace('"', "")
            continue
        m = _KEY.match(code)
        if not m:
            continue
        key, value = m.group(1).strip('"'), m.group(2).strip()
        if value.count('"""') == 1:
            in_string = True
        depth = value.count("[") + value.count("{") - value.count("]") - value.count("}")
        full = f"{table}.{key}" if table else key
        if key == "source":
            sources[table] = value.strip('"')
            continue
        if key in _TEXT_KEYS or value.startswith('"'):
            continue
        rows.append((n, full, value if len(value) <= 60 else value[:59] + "…", comment))
    out = []
    for n, full, value, comment in rows:
        table = full.rpartition(".")[0]
        citation = comment
        if kind_of(comment) == "uncited":  # (a working or a note: the table's source too)
            src = _table_source(table, sources)
            citation = f"{comment} — {src}" if comment and src else comment or src
        kind = kind_of(citation)
        if fitted and kind == "uncited":
            citation, kind = "fitted by corridor calibrate (the file's first lines)", "fitted"
        out.append(Cited(n, full, value, citation, kind))
    return out


def _table_source(table: str, sources: dict[str, str]) -> str:
    """The source of ``table`` or of the nearest table above it that has one."""
    while True:
        if table in sources:
            return sources[table]
        if "." not in table:
            return ""
        table = table.rpartition(".")[0]


def counts(rows: list[Cited]) -> dict[str, int]:
    """Values by kind of citation, every kind listed."""
    got = Counter(r.kind for r in rows)
    return {k: got.get(k, 0) for k in KINDS}


def chain(path: str | Path) -> list[Path]:
    """A scenario file and the files it extends, the file first (a missing or unreadable
    parent ends the chain)."""
    out: list[Path] = []
    p = Path(path)
    while p.is_file() and p.resolve() not in {q.resolve() for q in out}:
        out.append(p)
        try:
            parent = tomllib.loads(p.read_text(encoding="utf-8")).get("extends")
        except (OSError, ValueError):
            break
        if not isinstance(parent, str):
            break
        p = p.parent / parent
    return out


def chain_counts(path: str | Path) -> tuple[int, dict[str, int]]:
    """(files, values by kind) over a scenario file and the files it extends."""
    files = chain(path)
    total = {k: 0 for k in KINDS}
    for f in files:
        for k, n in counts(cited_values(f)).items():
            total[k] += n
    return len(files), total


def markdown(path: str | Path, rows: list[Cited], shown: str) -> str:
    """The per-parameter sources table of a scenario file, as a Markdown page."""
    c = counts(rows)
    lines = [f"# Where the numbers of `{shown}` come from",
             "",
             f"Generated by `corridor sources {shown} --write FILE` from the file's "
             "comments and `source` fields (do not edit by hand; a test regenerates it). "
             "The citations name sections of the project's fact sheets "
             "([corridor-facts.md](corridor-facts.md), "
             "[corridor-facts-economics.md](corridor-facts-economics.md)) and of its research "
             "notes ([sources-economics.md](sources-economics.md)).",
             "",
             f"{len(rows)} values: **{c['sourced']} sourced**, **{c['fitted']} fitted**, "
             f"**{c['assumption']} assumptions** (each with its reason), "
             f"**{c['unverified']} GK-unverified** (general knowledge, to be checked), "
             f"**{c['uncited']} uncited**.",
             "",
             "| line | field | value | kind | citation |",
             "|---:|---|---|---|---|"]
    for r in rows:
        cite = r.citation.replace("|", "\\|") or "–"
        value = r.value.replace("|", "\\|")
        lines.append(f"| {r.line} | `{r.path}` | `{value}` | {r.kind} | {cite} |")
    return "\n".join(lines) + "\n"


__all__ = ["KINDS", "Cited", "chain", "chain_counts", "cited_values", "counts", "kind_of",
           "markdown"]
