"""The field reference as text: the page ``docs/fields.md`` (Markdown) and the JSON that
``corridor schema --format json`` prints, both made from the rows of
:mod:`sim.scenario.reference`."""

from __future__ import annotations

import json

from sim.scenario.kinds import NODE_KINDS, and_list, kinds_where
from sim.scenario.reference import ID, FieldRow, distribution_rows, field_rows

PAGE = "docs/fields.md"
"""Where the generated page lives, from the repository's root."""

COMMAND = f"corridor schema --write {PAGE}"
"""The command that regenerates the page."""

_COLUMNS = ("path", "type", "unit", "default", "bounds", "timeline", "description")


def _cell(text: str, code: bool = False, html: bool = True) -> str:
    """A table cell: ``code`` in backticks; else with ``<`` escaped for a page rendered as
    HTML (``html``; a terminal shows ``&lt;`` as it is, so not there)."""
    text = text.replace("|", "\\|")
    if not text:
        return ""
    if code:
        return f"`{text}`"
    return text.replace("<", "&lt;") if html else text


def _table(rows: list[FieldRow], html: bool = True) -> list[str]:
    out = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for r in rows:
        out.append("| " + " | ".join((
            _cell(r.path, code=True), _cell(r.type, html=html), _cell(r.unit, html=html),
            _cell(r.default, True), _cell(r.bounds, html=html), _cell(r.timeline, html=html),
            _cell(r.description, html=html))) + " |")
    return out


def _intro() -> list[str]:
    closable = and_list([k.plural for k in kinds_where(lambda k: k.closable)])
    tables = ", ".join(f"`{k.section}` ({k.plural})" for k in NODE_KINDS.values()
                       if k.section is not None)
    return [
        "# Scenario fields",
        "",
        f"Generated from the schema by `{COMMAND}`; do not edit by hand "
        "(`tests/test_reference.py` fails when this page is not current).",
        "",
        f"Every field of a scenario file, by dotted path. `{ID}` stands for a key you "
        "choose (a node, link, route, flow or service id), `<year>` for a calendar year, "
        "`[i]` for a position in a list (`timeline[i]` is the i-th `[[timeline]]` entry). "
        "The same paths are what `--set PATH=VALUE` and the error messages name. Each node "
        f"kind has its own facility table: {tables} (the node-kind registry, "
        "`sim/scenario/kinds.py`).",
        "",
        "Columns: **type**; **unit** (from the field's name, `_h` hours, `_km`, `_teu`, "
        "or its description); **default** (`required`: the field must be given; `none`: "
        "off or not modelled); **bounds** a value must keep; **timeline**: what a dated "
        "change (`[[timeline]]`) may do with the field during a run: `set` with the bounds "
        "a new value must keep, or `shares` (new route shares for trains leaving from the "
        "date, under `route_choice.model = \"shares\"`). A dated change may also close "
        f"{closable} and links for some days (`close = ID`, `days = N`). Anything else is "
        "fixed for the run.",
        "",
        "A value written as a distribution is a table `{ dist = \"NAME\", ... }` with the "
        "parameters listed under [Distributions](#distributions), in the unit of the field "
        "that holds it.",
        "",
    ]


def markdown(prefix: str = "", html: bool = True) -> str:
    """The reference as Markdown: the whole page (no ``prefix``), or the table of the
    fields under ``prefix``; ``html``: for a page rendered as HTML (``<`` written as
    ``&lt;``, as in docs/fields.md), else for a terminal (``<`` as it is)."""
    if prefix:
        return "\n".join([f"Fields under `{prefix}`", "",
                          *_table(field_rows(prefix), html)]) + "\n"
    rows = field_rows()
    out = _intro()
    tables = {r.path for r in rows if "." in r.path or "[" in r.path}

    def section(r: FieldRow) -> str:  # a top-level value: "scenario"; else its table
        top = r.path.split(".")[0].split("[")[0]
        return top if any(t.startswith((top + ".", top + "[")) for t in tables) \
            else "scenario"
    sections: list[str] = []
    for r in rows:
        if section(r) not in sections:
            sections.append(section(r))
    out += ["Contents: " + ", ".join(f"[{s}](#{s})" for s in sections)
            + ", [distributions](#distributions).", ""]
    for s in sections:
        out += [f"## {s}", "", *_table([r for r in rows if section(r) == s], html), ""]
    out += ["## Distributions", "", *_table(distribution_rows(), html), ""]
    return "\n".join(out)


def as_json(prefix: str = "") -> str:
    """The reference as JSON: ``{"fields": [...], "distributions": [...]}``, one object
    per row with the keys of :class:`~sim.scenario.reference.FieldRow`."""
    doc = {"fields": [r._asdict() for r in field_rows(prefix)]}
    if not prefix:
        doc["distributions"] = [r._asdict() for r in distribution_rows()]
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
