"""The parts of an input that did validate, for its consistency checks in the same pass.

When a file fails its schema, :func:`partial` still builds the model from every part that
validated on its own (each node, link, flow, timeline entry, each field of them), with an
:class:`Unusable` stand-in for each part that did not. A check that touches a stand-in
raises :class:`Broken`: :func:`run_rules` then runs the rule again without the elements
that hold stand-ins (:func:`without_broken`), and skips it if that fails too. So a user
sees the structure errors and the consistency errors of the sound parts at once, and no
check reports a consequence of a part that failed (an element left out is never "unknown":
what names it is not reported).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError


class Broken(Exception):
    """A check read a part of the input that failed validation."""


def _refuse(self: Unusable, *_args: Any, **_kw: Any) -> Any:
    raise Broken(object.__getattribute__(self, "where"))


class Unusable:
    """Stands in for a part that failed validation: any use of it raises :class:`Broken`
    (reading a field, comparing, hashing, formatting, arithmetic, truth)."""

    __slots__ = ("where", "raw")

    def __init__(self, where: tuple, raw: Any = None) -> None:
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "raw", raw)  # the data as written

    __getattr__ = _refuse


for _name in ("__bool__", "__len__", "__iter__", "__contains__", "__getitem__", "__eq__",
              "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__add__",
              "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__pow__",
              "__rpow__", "__neg__", "__abs__", "__float__", "__int__", "__index__",
              "__round__", "__format__", "__str__", "__repr__", "__setattr__"):
    setattr(Unusable, _name, _refuse)


def _model_of(ann: Any) -> type[BaseModel] | None:
    """The model class an annotation holds (through Optional and Annotated), else None."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Annotated:
        return _model_of(args[0])
    if origin in (typing.Union, types.UnionType):
        models = [m for m in (_model_of(a) for a in args if a is not type(None)) if m]
        return models[0] if len(models) == 1 and len(args) <= 2 else None
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _container(ann: Any) -> tuple[type | None, Any, Any]:
    """(dict or list, the keys' annotation, the entries' annotation) for a table of ids
    or an array (through Optional and Annotated), else (None, None, None)."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Annotated:
        return _container(args[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _container(inner[0]) if len(inner) == 1 else (None, None, None)
    if origin is dict:
        return dict, args[0], args[1]
    if origin is list and args:
        return list, None, args[0]
    return None, None, None


@functools.cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    f = model.model_fields[name]
    ann: Any = f.annotation
    return TypeAdapter(Annotated[ann, *f.metadata] if f.metadata else ann)


def _under(locs: Iterable[tuple], key: Any) -> list[tuple]:
    return [loc[1:] for loc in locs if loc and loc[0] == key]


def _build(ann: Any, value: Any, locs: list[tuple], where: tuple,
           check: Callable[[Any], Any]) -> Any:
    """``value`` validated as ``ann``: by ``check`` when no error lies under it, else
    part by part, with an :class:`Unusable` for each part that failed."""
    if not locs:
        try:
            return check(value)
        except ValidationError:
            return Unusable(where, value)
    if any(not loc for loc in locs):
        return Unusable(where, value)  # the part itself is wrong (its type, a cross-field rule)
    model = _model_of(ann)
    if model is not None and isinstance(value, dict):
        return partial(model, value, locs, where)
    kind, key, inner = _container(ann)
    entry = TypeAdapter(inner).validate_python if kind is not None else check
    if kind is dict and isinstance(value, dict):
        read_key = TypeAdapter(key).validate_python
        try:
            keys = {k: read_key(k) for k in value}
        except ValidationError:
            return Unusable(where, value)
        return {keys[k]: _build(inner, v, _under(locs, k), (*where, k), entry)
                for k, v in value.items()}
    if kind is list and isinstance(value, list):
        return [_build(inner, v, _under(locs, i), (*where, i), entry)
                for i, v in enumerate(value)]
    return Unusable(where, value)


def partial(model: type[BaseModel], data: dict, locs: Iterable[tuple],
            where: tuple = ()) -> Any:
    """``data`` as a ``model`` built from the parts that validated, with an
    :class:`Unusable` for each part under an error location of ``locs`` (pydantic's
    ``loc`` tuples, relative to ``data``); an Unusable when ``data`` is not a table.
    Unknown keys are left out; a field not given takes its default."""
    locs = list(locs)
    if not isinstance(data, dict) or any(not loc for loc in locs):
        return Unusable(where, data)
    values: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        key = f.alias if f.alias is not None and f.alias in data else name
        sub = _under(locs, key)
        if key not in data:
            if sub or f.is_required():
                values[name] = Unusable((*where, key))
            continue
        values[name] = _build(f.annotation, data[key], sub, (*where, key),
                              _adapter(model, name).validate_python)
    return model.model_construct(**values)


def holds_unusable(obj: Any) -> bool:
    """True when ``obj`` is, or holds anywhere inside, an :class:`Unusable`."""
    if isinstance(obj, Unusable):
        return True
    if isinstance(obj, BaseModel):
        return any(holds_unusable(v) for v in obj.__dict__.values())
    if isinstance(obj, dict):
        return any(holds_unusable(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(holds_unusable(v) for v in obj)
    return False


Found = Iterable[tuple[str, str]]


class Pruned(typing.NamedTuple):
    """A model without its elements that hold stand-ins: the model, the dotted paths of
    the tables' elements left out, the names a problem must not quote (their ids, and
    the ends of a joining element left out), per array the kept entries' numbers, and
    whether a joining element left out has an end that is not known (then no judgement
    of the network is sound)."""

    model: Any
    dropped: list[str]
    ids: set[str]
    kept: dict[str, list[int]]
    blind: bool


def without_broken(obj: Any, tables: Iterable[str], joins: Iterable[str] = ()) -> Pruned:
    """``obj`` with the entries that hold an :class:`Unusable` left out of each table of
    ids and array named in ``tables`` (dotted attribute paths, e.g. ``demand.flows``);
    ``joins``: the tables whose elements join two others (``from``, ``to``)."""
    dropped: list[str] = []
    ids: set[str] = set()
    kept: dict[str, list[int]] = {}
    blind = False
    joins = set(joins)

    def prune(node: Any, parts: list[str], done: str) -> Any:
        nonlocal blind
        if isinstance(node, Unusable) or not isinstance(node, BaseModel):
            return node
        head, rest = parts[0], parts[1:]
        here = f"{done}.{head}" if done else head
        value = node.__dict__.get(head)
        if rest:
            new = prune(value, rest, here)
        elif isinstance(value, dict):
            new = {k: v for k, v in value.items() if not holds_unusable(v)}
            dropped.extend(f"{here}.{k}" for k in value if k not in new)
            ids.update(str(k) for k in value if k not in new)
            for k in (value.keys() - new.keys()) if here in joins else ():
                ends = _ends(value[k])
                ids.update(e for e in ends if isinstance(e, str))
                blind = blind or not all(isinstance(e, str) for e in ends)
        elif isinstance(value, list):
            kept[here] = [i for i, v in enumerate(value) if not holds_unusable(v)]
            dropped.extend(f"{here}[{i}]" for i in range(len(value)) if i not in kept[here])
            new = [value[i] for i in kept[here]]
        else:
            return node
        return node.model_copy(update={head: new})

    for table in tables:
        obj = prune(obj, table.split("."), "")
    return Pruned(obj, dropped, ids, kept, blind)


def _ends(element: Any) -> tuple[Any, Any]:
    """The two ends of a joining element (a link, a service) as written, None if not."""
    held = element.__dict__ if isinstance(element, BaseModel) else object.__getattribute__(
        element, "raw") if isinstance(element, Unusable) else None
    if not isinstance(held, dict):
        return None, None
    return held.get("from_", held.get("from")), held.get("to")


def _renumber(text: str, kept: dict[str, list[int]]) -> str:
    """``text`` (a path or a message) with each ``table[k]`` of a pruned array numbered
    as in the file (``k`` counts the kept entries only)."""
    for table, numbers in kept.items():
        def back(m: re.Match, numbers: list[int] = numbers) -> str:
            k = int(m.group(2))
            return f"{m.group(1)}[{numbers[k]}]" if k < len(numbers) else m.group(0)
        text = re.sub(rf"(?<![\w.])({re.escape(table)})\[(\d+)\]", back, text)
    return text


def _about_dropped(path: str, message: str, pruned: Pruned) -> bool:
    """A problem of a dropped element, or one that names it (``'id'``) or an end of a
    dropped link or service (a path that does not connect without it): a consequence
    of leaving it out, not reported."""
    if any(path == d or path.startswith((d + ".", d + "[")) for d in pruned.dropped):
        return True
    return any(f"'{i}'" in message for i in pruned.ids)


def run_rules(rules: Iterable[Callable[[Any], Found]], model: Any, tables: Iterable[str],
              joins: Iterable[str] = (), local: Iterable[str] | None = None
              ) -> Iterator[tuple[str, str]]:
    """Every problem the rules find on a model built by :func:`partial`: a rule that
    touches a stand-in is run again without the elements of ``tables`` that hold one
    (its problems about those elements, or naming them, left out), and skipped when it
    touches a stand-in again (it depends on a part that failed). A rule that fails in
    another way on the partial model (a stand-in where a type is tested, say) counts as
    touching one: the input is already known to be wrong, and a guess is not reported.
    ``joins``: the tables of ``tables`` whose elements join two others; when one of
    those left out has an end that is not known, the rules are not run again.

    Run again, a rule is trusted only on the entries it judges one by one: only its
    problems inside a kept entry of a table in ``local`` (default: ``tables``) are
    reported. Any other (a total, something found nowhere) may be a consequence of the
    entries left out."""
    tables = list(tables)
    local = tables if local is None else list(local)
    if isinstance(model, Unusable):
        return  # the file as a whole is not what the schema wants
    pruned: Pruned | None = None
    for rule in rules:
        found: list[tuple[str, str]] = []
        try:
            found.extend(rule(model))
        except Exception:  # noqa: BLE001 - a stand-in used where a type was tested, too
            pruned = pruned or without_broken(model, tables, joins)
            found = []
            if pruned.blind:
                continue
            try:
                for p, m in rule(pruned.model):
                    p, m = _renumber(p, pruned.kept), _renumber(m, pruned.kept)
                    if not _about_dropped(p, m, pruned) and any(
                            p.startswith((t + ".", t + "[")) for t in local):
                        found.append((p, m))
            except Exception:  # noqa: BLE001 - it depends on a part that failed
                continue
        yield from found
