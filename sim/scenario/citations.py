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
_PART = r'(?:"[^"]+"|[A-Za-z0-9_\-]+)'
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=\s*(.*)$")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
# an outlet's date ("Portnews 2022-06-30"), or a capitalised outlet and a year ("Mehr
# News 2018"); not a bare year ("reports 2023 and 2024")
_DATED = re.compile(r"\b(19[89]\d|20[0-2]\d)-\d\d-\d\d\b")
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_OUTLET_YEAR = re.compile(rf"\b(?!(?:{_MONTHS})\b)[A-Z][A-Za-z.&]+"
                          rf"(?: (?!(?:{_MONTHS})\b)[A-Z][A-Za-z.&]+)* \(?(19[89]\d|20[0-2]\d)\b")
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
    if "§" in text or re.search(r"corridor-facts|\becon\b|\bresearch\b|https?://", text):
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


def _brackets(code: str) -> int:
    """Opening less closing brackets of a line's code, outside strings."""
    depth, quote = 0, None
    for ch in code:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def cited_values(path: str | Path) -> list[Cited]:
    """Every value a scenario file sets, with its citation and kind (a table's ``source``
    cites the values of the table, and of the tables within it, whose own comment cites
    nothing: no comment, or a working or a note; each entry of a ``[[...]]`` array of
    tables by its own ``source``)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    fitted = bool(lines) and lines[0].startswith("# Written by corridor calibrate")
    # (line, path, value, own comment, the table entries it is in, innermost first)
    rows: list[tuple[int, str, str, str, list[str]]] = []
    sources: dict[str, str] = {}     # a table entry (name@header line) -> its source
    latest: dict[str, str] = {"": "@0"}  # a table's name -> its entry read last
    table, entry, depth, closing = "", "@0", 0, ""
    for n, raw in enumerate(lines, 1):
        if closing:  # inside a multi-line string
            if raw.count(closing) % 2 == 1:
                closing = ""
            continue
        code, comment = _split_comment(raw)
        if depth > 0:  # a value continued over lines (its comments are its own); the
            # closing bracket ends it
            depth += _brackets(code)
            if comment and rows:
                n0, full0, value0, comment0, within0 = rows[-1]
                rows[-1] = (n0, full0, value0, f"{comment0} {comment}".strip(), within0)
            continue
        depth = 0
        m = _HEADER.match(raw)
        if m and not _KEY.match(code):
            table = m.group(1).replace('"', "").replace(" ", "")
            entry = latest[table] = f"{table}@{n}"
            continue
        m = _KEY.match(code)
        if not m:
            continue
        key = ".".join(part.strip('"') for part in re.findall(_PART, m.group(1)))
        value = m.group(2).strip()
        for delim in ('"""', "'''"):
            if value.count(delim) == 1:
                closing = delim
        depth = max(_brackets(value), 0)
        full = f"{table}.{key}" if table else key
        if key == "source":
            sources[entry] = value.strip("\"'")
            continue
        if key in _TEXT_KEYS or value.startswith(("\"", "'")):
            continue
        within = [entry] + [latest.get(t, "") for t in _ancestors(table)]
        rows.append((n, full, value if len(value) <= 60 else value[:59] + "…", comment,
                     within))
    out = []
    for n, full, value, comment, within in rows:
        citation = comment
        if kind_of(comment) == "uncited":  # (a working or a note: the table's source too)
            src = next((sources[e] for e in within if e in sources), "")
            citation = f"{comment} — {src}" if comment and src else comment or src
        kind = kind_of(citation)
        if fitted and kind == "uncited":
            citation, kind = "fitted by corridor calibrate (the file's first lines)", "fitted"
        out.append(Cited(n, full, value, citation, kind))
    return out


def _ancestors(table: str) -> list[str]:
    """The tables enclosing ``table``, innermost first (the top level last)."""
    out = []
    while table:
        table = table.rpartition(".")[0]
        out.append(table)
    return out


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
