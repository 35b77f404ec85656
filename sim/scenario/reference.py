"""The field reference: every scenario field, read from the schema, one row each.

:func:`field_rows` walks the pydantic models from :class:`~sim.scenario.schema.Scenario`
down (nested tables, tables of elements keyed by id such as ``nodes``, lists such as
``timeline``) and gives each field its dotted path (``<id>`` stands for a key the user
chooses, ``[i]`` for a list position), type, unit, default, bounds, description and
whether a dated change (``[[timeline]]``) may set it. The node kinds' tables
(``crossing``, ``port``, ``dry_port``) are named after the kinds of the registry
(:mod:`sim.scenario.kinds`) that use them; the fields a timeline may set, with the bounds
a new value must keep, come from :func:`sim.scenario.kind_fields.timeline_fields`. The
page ``docs/fields.md`` and ``corridor schema`` print these rows
(:mod:`sim.scenario.reference_text`).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import types
import typing
from typing import Any, NamedTuple

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.basics import fixed_length
from sim.scenario.distributions import Distribution
from sim.scenario.kind_fields import Bounds, timeline_fields
from sim.scenario.kinds import NODE_KINDS
from sim.scenario.schema import Scenario

ID = "<id>"
"""How a path names a key the user chooses (a node id, a flow id)."""


class FieldRow(NamedTuple):
    """One field of the scenario.

    Attributes
    ----------
    path : dotted path (``nodes.<id>.crossing.cranes``; ``timeline[i].date``).
    type : what the value is (``number``, ``whole number``, ``text``, ``date``,
        ``distribution``, ``table``, ``table of <id> -> ...``, ``list of ...``).
    unit : the unit, from the field's name (``_h``: hours) or its description; "" none.
    default : the value when the field is not given; ``required`` when it must be.
    bounds : what a value must keep (``> 0``, ``<= 200``, ``one of a, b``).
    description : the schema's description (a kind's table: which kind uses it).
    timeline : what a dated change may do with it: ``set`` with the bounds a new value
        keeps, ``shares`` (route shares), or "" (fixed for the run).
    """

    path: str
    type: str
    unit: str
    default: str
    bounds: str
    description: str
    timeline: str


# units carried by a field's name, longest ending first (the style: units in names)
_NAME_UNITS = (
    ("_usd_per_teu_day", "USD per TEU-day"), ("_tonnes_per_teu", "t per TEU"),
    ("containers_per_year", "boxes per year"),
    ("_usd_per_feu", "USD per FEU"), ("_usd_per_teu", "USD per TEU"),
    ("_usd_per_t", "USD per t"), ("_g_per_tkm", "g CO2e per t-km"),
    ("_km_per_day", "km per day"), ("_teu_per_day", "TEU per day"),
    ("_trains_per_day", "trains per day"), ("_per_day", "per day"),
    ("_t_per_h", "t per hour"), ("_moves_per_h", "moves per hour"), ("_per_h", "per hour"),
    ("_per_year", "per year"), ("_per_teu", "per TEU"), ("_teu", "TEU"),
    ("_km", "km"), ("_mm", "mm"), ("_m", "m"), ("_h", "h"), ("_days", "days"),
    ("_day", "day"), ("_t", "t"), ("_usd", "USD"), ("_railcars", "railcars"),
    ("_share", "fraction"),
)

# units named in a description's last words, when the name carries none
_TEXT_UNITS = (("hours", "h"), ("count", "count"), ("metres", "m"), ("degrees east", "°E"),
               ("degrees north", "°N"), ("days", "days"), ("trains", "trains"),
               ("boxes per year", "boxes per year"), ("TEU", "TEU"), ("tonnes", "t"))


def unit_of(name: str, description: str) -> str:
    """The unit of field ``name``: from its name's ending, else from its description
    (", hours", ", count" after the words), else a ratio's kind from its name."""
    for end, unit in _NAME_UNITS:
        if f"_{name}".endswith(end):
            return unit
    for word, unit in _TEXT_UNITS:
        if re.search(rf",\s+{word}(?:\b|$)(?![ -]?per\b)", description):
            return unit
    if name == "cv" or name.endswith("_cv"):
        return "ratio (CV)"
    if name.startswith("share") or name.endswith("_factor") or "share of" in description[:9]:
        return "fraction" if "share" in name or description.startswith("share") else "ratio"
    return ""


def _number(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _plain(t: object) -> tuple[object, bool]:
    """``t`` without ``None`` in a union, and whether ``None`` was there."""
    args = typing.get_args(t)
    if typing.get_origin(t) in (typing.Union, types.UnionType) and type(None) in args:
        rest = tuple(a for a in args if a is not type(None))
        return (rest[0] if len(rest) == 1 else functools.reduce(operator.or_, rest)), True
    return t, False


def _is_distribution(t: object) -> bool:
    """A distribution field, however its annotation reached here (pydantic keeps the
    union of the distributions and moves the discriminator into the field's metadata)."""
    union = typing.get_args(Distribution)[0]
    return t == Distribution or t == union or (typing.get_origin(t) is typing.Annotated
                                               and typing.get_args(t)[0] == union)


def _model(t: object) -> type[BaseModel] | None:
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def type_name(t: object) -> str:
    """How the reference names a type."""
    t, _ = _plain(t)
    if _is_distribution(t):
        return "distribution"
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is typing.Literal:
        kinds = {type(a) for a in args}
        return "whole number" if kinds == {int} else "text"
    if origin is list:
        return f"list of {type_name(args[0])}s" if args else "list"
    if origin is dict:
        key = "<year>" if args[0] is int else ID
        return f"table of {key} -> {type_name(args[1])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args)
    if _model(t) is not None:
        return "table"
    return {bool: "true/false", int: "whole number", float: "number", str: "text",
            dt.date: "date"}.get(t, getattr(t, "__name__", str(t)))  # type: ignore[call-overload]


_SIDES = ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"), (at.Le, "le", "<="))


def _flat(metadata: list[Any]) -> list[Any]:
    """Constraints with those of a nested ``Field(...)`` in its place."""
    return [x for m in metadata
            for x in (_flat(m.metadata) if isinstance(m, FieldInfo) else [m])]


def _bounds_of(metadata: list[Any], text: bool = False) -> list[str]:
    out = []
    noun = ("character", "characters") if text else ("entry", "entries")
    meta = _flat(metadata)
    fixed = fixed_length(meta)  # (a month each, say: one statement, not two)
    for m in meta:
        for cls, attr, op in _SIDES:
            if isinstance(m, cls):
                out.append(f"{op} {_number(getattr(m, attr))}")
        if isinstance(m, at.MinLen) and fixed:
            out.append(f"exactly {fixed} {noun[fixed != 1]}")
        elif isinstance(m, at.MinLen) and m.min_length:
            out.append(f"at least {m.min_length} {noun[m.min_length != 1]}")
        if isinstance(m, at.MaxLen) and not fixed:
            out.append(f"at most {m.max_length} {noun[m.max_length != 1]}")
    return out


def bounds_of(info: FieldInfo) -> str:
    """A field's bounds in words: its ``ge``/``gt``/``le``/``lt``, lengths, pattern and
    allowed values."""
    out = _bounds_of(info.metadata, _plain(info.annotation)[0] is str)
    for m in info.metadata:
        pattern = getattr(m, "pattern", None)
        if pattern:
            out.append(f"matches {pattern}")
    t, _ = _plain(info.annotation)
    if typing.get_origin(t) is typing.Literal:
        out.append("one of " + ", ".join(str(a) for a in typing.get_args(t)))
    if typing.get_origin(t) is dict:  # the values' bounds (containers_by_year)
        value = typing.get_args(t)[1]
        if typing.get_origin(value) is typing.Annotated:
            out += [f"each {b}" for b in _bounds_of(list(typing.get_args(value)[1:]))]
    return ", ".join(out)


def default_of(info: FieldInfo) -> str:
    """A field's default as TOML would write it; ``required`` when it has none."""
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    else:
        value = info.default
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "(its defaults)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        if value and all(v == value[0] for v in value) and len(value) > 3:
            return f"[{_number(value[0])}] × {len(value)}"
        return "[" + ", ".join(_number(v) if not isinstance(v, str) else f'"{v}"'
                               for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return _number(value)


def _timeline_marks() -> dict[str, str]:
    """Path -> what a dated change may do with it (``set (...)``, ``shares``)."""
    def words(b: Bounds) -> str:
        return (f"set ({_number(int(b.low))}..{_number(int(b.high))})" if b.whole
                else f"set (> {_number(b.low)}, <= {_number(b.high)})")
    out = {f"{table}.{ID}.{field}": words(b)
           for table, fields in timeline_fields().items() for field, b in fields.items()}
    out[f"demand.flows.{ID}.routes"] = "shares"
    return out


# what the reference says of the fields whose schema entry has no description
_MORE = {
    "name": "the scenario's name (names its result folder)",
    "description": "what the scenario asks, in a sentence or two (shown by corridor check "
                   "and the reports)",
    "horizon": "the simulated span: the reported days and the warm-up before them",
    "demand": "the boxes to carry: flows between origins and destinations, their volumes "
              "and routes",
    "demand.flows.<id>.origin": "origin node id (a terminal)",
    "demand.flows.<id>.destination": "destination node id (a terminal)",
    "rolling_stock": "train lengths",
    "rolling_stock.locomotive_length_m": "length of the locomotive, metres",
    "nodes.<id>.name": "the node's full name",
    "nodes.<id>.kind": "what the node is (the node-kind registry, sim/scenario/kinds.py)",
    "nodes.<id>.region": "the region the node is in (flows, the transit count and the "
                         "sea's competition name them)",
    "links.<id>.length_km": "length of the rail segment, km",
    "routes.<id>.corridor": "the corridor the route belongs to (KPIs by corridor)",
    "kpis": "what the KPIs count",
    "kpis.transit.origin_regions": "regions whose boxes count",
    "kpis.transit.destination_regions": "regions to which boxes count",
    "route_choice.model": "shares: the flows' route shares as given; logit: routes chosen by "
                          "their utility; nested_logit: also against the sea (sea_mode)",
    "sea_mode.rates[i].date": "first day the rate holds",
    "sea_mode.rates[i].note": "a note on the rate (its source)",
    "uniform.low": "lower end", "uniform.high": "upper end",
    "triangular.low": "lower end", "triangular.mode": "most likely value",
    "triangular.high": "upper end", "lognormal.mean": "mean", "gamma.mean": "mean",
}


def _more_bounds(path: str) -> str:
    """What the checks (not the field's own bounds) allow in a dated change's fields."""
    if path == "timeline[i].set":
        return "keys: the paths marked set in the timeline column, with their bounds"
    if path == "timeline[i].close":
        closable = [k.plural for k in NODE_KINDS.values() if k.closable]
        return "the id of one of the " + ", ".join(closable) + " or links"
    return ""


def _kinds_using(section: str) -> str:
    names = [k.plural for k in NODE_KINDS.values() if k.section == section]
    return " and ".join(names)


def _walk(model: type[BaseModel], prefix: str, marks: dict[str, str]
          ) -> typing.Iterator[FieldRow]:
    for name, info in model.model_fields.items():
        key = info.alias or name
        path = f"{prefix}{key}"
        description = " ".join((info.description or "").split())
        if model.__name__ == "Node" and name in {k.section for k in NODE_KINDS.values()}:
            description = (f"the facility of {_kinds_using(name)} (required for them, "
                           "refused for other kinds)")
        description = description or _MORE.get(path, "")
        if description == "" and name == "source":
            description = "where the values come from (a citation, or 'assumption' and why)"
        t, _optional = _plain(info.annotation)
        origin, args = typing.get_origin(t), typing.get_args(t)
        nested = _model(t) or (_model(args[-1]) if origin in (dict, list) and args else None)
        if not description and nested is not None and nested.__doc__ and not _is_distribution(t):
            description = " ".join(nested.__doc__.split(". ")[0].split()).rstrip(".")
        bounds = bounds_of(info) or _more_bounds(path)
        kind = type_name(info.annotation)
        unit = "" if kind == "text" else unit_of(name, description)  # (words have no unit)
        yield FieldRow(path, kind, unit, default_of(info), bounds, description,
                       marks.get(path, ""))
        if _is_distribution(t):
            continue
        if _model(t) is not None:
            yield from _walk(typing.cast(type[BaseModel], t), f"{path}.", marks)
        elif origin is dict and _model(args[1]) is not None:
            yield from _walk(typing.cast(type[BaseModel], args[1]), f"{path}.{ID}.", marks)
        elif origin is list and args and _model(args[0]) is not None:
            yield from _walk(typing.cast(type[BaseModel], args[0]), f"{path}[i].", marks)


def field_rows(prefix: str = "") -> list[FieldRow]:
    """Every scenario field in schema order (a table's fields follow its own row); with
    ``prefix``, those whose path is ``prefix`` or starts with ``prefix.`` (or
    ``prefix[``)."""
    rows = list(_walk(Scenario, "", _timeline_marks()))
    if not prefix:
        return rows
    return [r for r in rows if r.path == prefix or r.path.startswith((prefix + ".",
                                                                     prefix + "["))]


def distribution_rows() -> list[FieldRow]:
    """The parameters of each distribution (``dist = "NAME"``), as rows whose path is
    ``NAME.parameter``; the unit is the unit of the field that holds the distribution."""
    rows = []
    for member in typing.get_args(typing.get_args(Distribution)[0]):
        dist = typing.get_args(member.model_fields["dist"].annotation)[0]
        doc = " ".join((member.__doc__ or "").split())
        rows.append(FieldRow(str(dist), "distribution", "", "", "", doc, ""))
        for name, info in member.model_fields.items():
            if name == "dist":
                continue
            path = f"{dist}.{info.alias or name}"
            rows.append(FieldRow(path, type_name(info.annotation), "", default_of(info),
                                 bounds_of(info), " ".join((info.description or _MORE.get(
                                     path, "")).split()), ""))

    return rows


def prefixes() -> list[str]:
    """Every path a prefix filter may name (each field's path and its parents)."""
    out: set[str] = set()
    for r in field_rows():
        parts = r.path.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(out)


def placeholder_path(path: str) -> str:
    """``path`` with the keys a user chose written as the reference writes them:
    ``nodes.dostyk.crossing`` -> ``nodes.<id>.crossing``, ``timeline[0]`` ->
    ``timeline[i]``; the parts of a path the reference does not know are left as
    given."""
    known = set(prefixes())
    out: list[str] = []
    for part in re.sub(r"\[\d+\]", "[i]", path).split("."):
        here = ".".join([*out, part])
        out.append(part if here in known or ".".join([*out, ID]) not in known else ID)
    return ".".join(out)
