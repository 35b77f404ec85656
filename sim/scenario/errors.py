"""Pydantic's validation errors translated into one actionable line each: the dotted path
as the user wrote it, what is wrong, and what is allowed (did-you-mean for names)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario import distributions as d
from sim.scenario.basics import OneEach, fixed_length
from sim.scenario.distributions import DIST_NAMES
from sim.scenario.problems import WHOLE_FILE, did_you_mean
from sim.scenario.schema import Scenario


def _dist_model(name: str):
    return {"constant": d.Constant, "exponential": d.Exponential, "uniform": d.Uniform,
            "triangular": d.Triangular, "lognormal": d.Lognormal, "gamma": d.Gamma}[name]


def _unwrap(ann):
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is dict:
        return _DictOf(_unwrap(args[1]))
    if origin in (list, tuple):
        return _unwrap(args[0]) if args else None
    if origin in (typing.Union, types.UnionType):
        for a in args:
            if a is type(None):
                continue
            u = _unwrap(a)
            if u is not None:
                return u
        return None
    if origin is typing.Annotated:
        return _unwrap(args[0])
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    return None


class _DictOf:
    def __init__(self, inner):
        self.inner = inner


def _model_at(loc: tuple, root: Any = None) -> Any:
    """The model (a :class:`_DictOf` for a table of ids, or None) whose table is expected
    at ``loc``: the schema walked along the path (a distribution's tag read as its
    model)."""
    model: Any = root or Scenario
    for part in loc:
        if isinstance(model, _DictOf):
            model = model.inner
            continue
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        fields = model.model_fields
        f = fields.get(part) or next((fi for n, fi in fields.items() if fi.alias == part), None)
        if f is None:
            if part not in DIST_NAMES:
                return None
            model = _dist_model(part)
            continue
        model = _unwrap(f.annotation)
    return model


def _fields_at(loc: tuple, root: Any = None) -> list[str]:
    """Allowed key names at ``loc`` (for did-you-mean on unknown keys)."""
    model = _model_at(loc, root)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [fi.alias or n for n, fi in model.model_fields.items()]
    return []


def _field(loc: tuple, root: Any = None) -> Any:
    """The pydantic field at ``loc`` (None when not found)."""
    parent = _model_at(loc[:-1], root)
    if isinstance(parent, _DictOf):
        parent = parent.inner
    if not (loc and isinstance(loc[-1], str) and isinstance(parent, type)
            and issubclass(parent, BaseModel)):
        return None
    return parent.model_fields.get(loc[-1])


def _list_metadata(loc: tuple, root: Any = None) -> list[Any]:
    """The constraints of the list at ``loc``: its field's, or those of the entries of the
    table of lists it is in (``seasonality_by_year.2025``)."""
    f = _field(loc, root)
    if f is not None:
        return list(f.metadata)
    table = _field(loc[:-1], root)
    args = typing.get_args(table.annotation) if table is not None else ()
    if table is None or typing.get_origin(table.annotation) is not dict or len(args) != 2:
        return []
    out: list[Any] = []
    for m in typing.get_args(args[1])[1:]:  # an Annotated value type's metadata
        out += m.metadata if isinstance(m, FieldInfo) else [m]
    return out


def _length_message(t: str, ctx: Mapping[str, Any], loc: tuple, root: Any) -> str:
    """A list too short or too long: ``needs exactly 12 entries, one a month (got 11)``
    for a list of fixed length (what each entry stands for when the schema says,
    :class:`sim.scenario.basics.OneEach`), else ``needs at least/at most N``."""
    exp = ctx.get("min_length") if t == "too_short" else ctx.get("max_length")
    n = ctx.get("actual_length")
    noun = "entry" if exp == 1 else "entries"
    meta = _list_metadata(loc, root)
    if fixed_length(meta) == exp:
        each = next((f", {m.what}" for m in meta if isinstance(m, OneEach)), "")
        return f"needs exactly {exp} {noun}{each} (got {n})"
    word = "at least" if t == "too_short" else "at most"
    return f"needs {word} {exp} {noun} (got {n})"


def _field_default(loc: tuple, root: Any = None) -> Any:
    """The default of the field at ``loc`` (None when it has none or is not found)."""
    f = _field(loc, root)
    return None if f is None or f.is_required() else f.default


def _array_example(loc: tuple, root: Any = None) -> str:
    """Two entries of the array expected at ``loc``, of its entries' type."""
    f = _field(loc, root)
    args = [a for a in typing.get_args(f.annotation) if a is not type(None)] if f else []
    inner = typing.get_args(args[0]) if args and typing.get_origin(args[0]) in (list, tuple) \
        else typing.get_args(f.annotation) if f else ()
    if str in inner:
        return '["a", "b"]'
    if float in inner:
        return "[0.5, 1.0]"
    return "[1, 2]"


def _within(loc: tuple, root: Any, value: float) -> float:
    """``value`` moved within the bounds of the field at ``loc`` (its ge/gt/le/lt): half
    an upper bound below it, or the lower bound (just above one that is exclusive)."""
    f = _field(loc, root)
    lo = hi = None
    inclusive = True
    for m in (f.metadata if f is not None else []):
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                lo, inclusive = getattr(m, name), name == "ge"
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                hi = getattr(m, name)
    if hi is not None and value > hi:
        value = hi / 2 if lo is None or hi / 2 > lo else hi
    if lo is not None and (value < lo or value == lo and not inclusive):
        value = lo if inclusive else lo + (1 if lo >= 1 else 0.5)
    return int(value) if isinstance(value, int) or (value >= 1 and value == int(value)) \
        else value


DIST_EXAMPLE = '{ dist = "lognormal", mean = 10, cv = 0.3 }'


def example(kind: str, loc: tuple, root: Any = None, data: Any = None) -> str:
    """A one-line example of what is expected at ``loc`` (``kind``: whole number,
    number, string, bool, table, array), in the form the user writes it (``data``: the
    scenario as read, for the value a dated change's ``set`` changes)."""
    key = next((p for p in reversed(loc) if isinstance(p, str)), "value")
    if len(loc) > 1 and loc[-2] == "set" and kind in ("whole number", "number"):
        # a dated change's set: the path quoted, and the value it changes as the example
        now: Any = data
        for part in str(loc[-1]).split("."):
            now = now.get(part) if isinstance(now, dict) else None
        fits = isinstance(now, (int, float)) and not isinstance(now, bool)
        return f'set = {{ "{loc[-1]}" = {now if fits else _within(loc, root, 4)} }}'
    if loc and isinstance(loc[-1], int) and kind in ("whole number", "number", "string"):
        one = {"whole number": "4", "number": "1.5", "string": '"text"'}[kind]
        return f"{key} = [{one}, ...] (each entry {'a ' + kind})"
    default = _field_default(loc, root)
    if kind in ("whole number", "number"):
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            return f"{key} = {default}"
        return f"{key} = {_within(loc, root, 4 if kind == 'whole number' else 1.5)}"
    if kind == "string":
        return f'{key} = "{default}"' if isinstance(default, str) else f'{key} = "text"'
    if kind == "bool":
        return f"{key} = {'true' if default is not False else 'false'}"
    if kind == "array":
        model = _model_at(loc, root)
        if isinstance(model, type) and issubclass(model, BaseModel):
            return f"[[{key}]] tables, one per entry"
        return f"{key} = {_array_example(loc, root)}"
    model = _model_at(loc, root)
    if isinstance(model, _DictOf):
        return f"{key} = {{ id = ... }}, one entry per id"
    if isinstance(model, type) and issubclass(model, BaseModel):
        names = [f.alias or n for n, f in model.model_fields.items()]
        if "dist" in names:
            return f"{key} = {DIST_EXAMPLE}"
        required = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
        shown = required or names
        more = ", ..." if len(shown) > 4 else ""
        return f"a [{key}] table with {', '.join(shown[:4])}{more}"
    return f"{key} = {{ ... }}"


# what the patterns of the input files allow, in words
PATTERN_WORDS = {
    r"^(\d{4}|run)$": "a calendar year like '2024', or 'run'",
    r"^\d{4}$": "a calendar year like '2023'",
    r"^[A-Z]{2}$": "a two-letter country code in capitals, like 'KZ'",
    r"^[A-Za-z0-9_.-]+$": "letters, digits, '_', '.' and '-'",
    r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$": "'module:function', like 'mypkg.models:demand'",
}


def _fmt_input(v: Any) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _message(err: Mapping[str, Any], loc: tuple, data: Any = None, root: Any = None) -> str:
    t = err["type"]
    ctx = err.get("ctx", {}) or {}
    got = err.get("input")
    if t == "extra_forbidden":
        allowed = [f for f in _fields_at(loc[:-1], root) if f != "dist"]
        # a key written above its table (e.g. a forgotten [horizon] header)
        homes = [f for f in allowed if loc[-1] in _fields_at((*loc[:-1], f), root)]
        if len(homes) > 1:  # prefer the table the element has
            here = _table(data if isinstance(data, dict) else {}, loc[:-1])
            homes = [f for f in homes if f in here] or homes
        if len(homes) == 1:
            return f"unknown key here (did you mean '{homes[0]}.{loc[-1]}'?)"
        return f"unknown key ({did_you_mean(loc[-1], allowed)})"
    if t == "missing":
        return "required field is missing"
    if t in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}[t]
        bound = next(iter(ctx.values()))
        bound = f"{bound:g}" if isinstance(bound, float) else bound
        return f"must be {op} {bound} (got {_fmt_input(got)})"
    if t in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number (got {_fmt_input(got)}); write e.g. " \
            f"{example('whole number', loc, root, data)}"
    if t in ("float_type", "float_parsing"):
        return f"expected a number (got {_fmt_input(got)}); write e.g. " \
            f"{example('number', loc, root, data)}"
    if t in ("string_type",):
        return f"expected a string (got {_fmt_input(got)}); write e.g. " \
            f"{example('string', loc, root)}"
    if t in ("bool_type", "bool_parsing"):
        return f"expected true or false (got {_fmt_input(got)}); write e.g. " \
            f"{example('bool', loc, root)}"
    if t in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a table (got {_fmt_input(got)}); write e.g. " \
            f"{example('table', loc, root)}"
    if t in ("list_type", "tuple_type"):
        return f"expected an array (got {_fmt_input(got)}); write e.g. " \
            f"{example('array', loc, root)}"
    if t in ("too_short", "too_long"):
        return _length_message(t, ctx, loc, root)
    if t == "literal_error":
        exp = ctx.get("expected", "")
        allowed = [s.strip().strip("'") for s in exp.replace(" or ", ", ").split(", ")]
        return f"{_fmt_input(got)} is not allowed ({did_you_mean(got, allowed)})"
    if t == "union_tag_invalid":
        return (f"unknown distribution {_fmt_input(ctx.get('tag'))} "
                f"({did_you_mean(ctx.get('tag'), DIST_NAMES)})")
    if t == "union_tag_not_found":
        return "a distribution needs 'dist' (one of: " + ", ".join(DIST_NAMES) + ")"
    if t == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        words = PATTERN_WORDS.get(str(pattern))
        return (f"{_fmt_input(got)} does not match the pattern {pattern}"
                + (f" (allowed: {words})" if words else ""))
    if t in ("date_from_datetime_parsing", "date_parsing", "date_type",
             "date_from_datetime_inexact"):
        return f"expected a date like 2024-01-01 (got {_fmt_input(got)})"
    if t == "finite_number":
        return f"must be a finite number (got {_fmt_input(got)})"
    if t == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def _dotted(loc: tuple, data: Any) -> str:
    """``a.b[0].c`` for a pydantic location in ``data``, without the discriminator tag
    pydantic inserts for a distribution (a tag is the value of ``dist``, not a key)."""
    out, cur = "", data
    for part in loc:
        if isinstance(cur, dict) and part not in cur and cur.get("dist") == part:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            cur = None
    return out or WHOLE_FILE  # the document as a whole


_ELEMENT_TABLES = {("nodes",): "node", ("links",): "link", ("routes",): "route",
                   ("services",): "service", ("demand", "flows"): "flow"}


def _element_of(loc: tuple) -> tuple[tuple, str, str] | None:
    """(table path, element id, kind) when ``loc`` lies inside a network element."""
    for table, kind in _ELEMENT_TABLES.items():
        n = len(table)
        if len(loc) > n + 1 and tuple(loc[:n]) == table:
            return table, str(loc[n]), kind
    return None


def _missing_elements(errors: Sequence[Mapping[str, Any]], data: dict) -> dict[tuple, list[str]]:
    """Elements with required fields missing -> the missing field names. Such an element
    is usually a mistyped id that created a new one (``[nodes.dostk.crossing]``)."""
    out: dict[tuple, list[str]] = {}
    for err in errors:
        el = _element_of(tuple(err["loc"]))
        if el and err["type"] == "missing" and len(err["loc"]) == len(el[0]) + 2:
            out.setdefault(el, []).append(str(err["loc"][-1]))
    return out


def _table(data: dict, path: tuple) -> dict:
    for part in path:
        data = data.get(part, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}
