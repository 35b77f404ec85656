"""The schema side of the node-kind registry (:mod:`sim.scenario.kinds`): the model of
each kind's table, the fields a timeline may change and the bounds a new value must keep
(read from the schema, where :func:`~sim.scenario.schema.during_run` marks them), and the
check that the registry and the schema name the same kinds and tables.
"""

from __future__ import annotations

import typing

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.fleets import Fleet
from sim.scenario.kinds import NODE_KINDS, Kind
from sim.scenario.schema import Link, Node, NodeKind, Service
from sim.scenario.wagons import WagonPool


class Bounds(typing.NamedTuple):
    """Bounds of a value a timeline may set: whole numbers from ``low`` to ``high``, both
    included; else above ``low`` (excluded) up to ``high`` (included)."""

    low: float
    high: float
    whole: bool


_SIDES = ((at.Gt, "gt"), (at.Ge, "ge"), (at.Lt, "lt"), (at.Le, "le"))


def _own_bounds(info: FieldInfo) -> dict[str, float]:
    """A field's ``gt``/``ge``/``lt``/``le`` as given to its ``Field``."""
    return {side: getattr(m, side) for m in info.metadata for cls, side in _SIDES
            if isinstance(m, cls)}


def _bounds(field: str, bounds: dict[str, float], whole: bool) -> Bounds:
    """The :class:`Bounds` of a field from its ``gt``/``ge``/``le``/``lt``."""
    if whole:
        low = bounds["ge"] if "ge" in bounds else bounds["gt"] + 1
        high = bounds["le"] if "le" in bounds else bounds["lt"] - 1
        return Bounds(low, high, True)
    if "ge" in bounds or "lt" in bounds or "gt" not in bounds or "le" not in bounds:
        raise TypeError(f"{field}: a real-valued field a timeline may change needs gt and "
                        f"le bounds (it has {bounds})")
    return Bounds(float(bounds["gt"]), float(bounds["le"]), False)


def changeable(model: type[BaseModel]) -> dict[str, Bounds]:
    """The fields of ``model`` marked :func:`~sim.scenario.schema.during_run`, in schema
    order, with the bounds a new value must keep: the field's own, except those the mark
    replaces."""
    out = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or "timeline" not in extra:
            continue
        own = _own_bounds(info)
        mark = typing.cast(dict[str, float], extra["timeline"])
        for side, other in (("ge", "gt"), ("gt", "ge"), ("le", "lt"), ("lt", "le")):
            if side in mark:
                own.pop(other, None)
        own.update(mark)
        whole = info.annotation is int or info.annotation == int | None
        out[name] = _bounds(f"{model.__name__}.{name}", own, whole)
    return out


def section_model(section: str) -> type[BaseModel]:
    """The schema model of a ``Node`` table (``Crossing`` for ``"crossing"``)."""
    annotation = Node.model_fields[section].annotation
    return next(a for a in typing.get_args(annotation) if a is not type(None))


def kind_fields(kind: Kind) -> dict[str, Bounds]:
    """The fields of a kind's table a timeline may change, with their bounds."""
    return {} if kind.section is None else changeable(section_model(kind.section))


def timeline_fields() -> dict[str, dict[str, Bounds]]:
    """Per table of the scenario (links, nodes, services, fleets), the fields a timeline may set
    (``section.field`` for nodes) and their bounds."""
    nodes: dict[str, Bounds] = {}
    for k in NODE_KINDS.values():
        nodes.update({f"{k.section}.{f}": b for f, b in kind_fields(k).items()})
    return {"links": changeable(Link), "nodes": nodes, "services": changeable(Service),
            "fleets": changeable(Fleet), "wagon_pools": changeable(WagonPool)}


def number_text(value: float) -> str:
    """A number as short as it reads and as a file writes it: a whole number without
    ``.0`` (``15``: a field of whole numbers set by a dated change, which the schema
    holds as ``15.0``), ``2.5``; never losing a digit (where ``:g`` would round: a whole
    number in full, else the full ``repr``)."""
    short = f"{value:g}"
    if float(short) == value:
        return short
    return str(int(value)) if value.is_integer() else repr(value)


def schema_problems() -> list[str]:
    """Where the registry and the schema disagree: a kind that is not a ``NodeKind`` (or
    the reverse), a table that ``Node`` lacks."""
    schema_kinds = typing.get_args(NodeKind)
    out = [f"kind '{k}': not a row of the registry (sim.scenario.kinds)"
           for k in schema_kinds if k not in NODE_KINDS]
    for k in NODE_KINDS.values():
        if k.name not in schema_kinds:
            out.append(f"kind '{k.name}': not a NodeKind of the schema")
        if k.section is not None and k.section not in Node.model_fields:
            out.append(f"kind '{k.name}': Node has no table '{k.section}'")
    return out


if schema_problems():  # at import: every scenario load passes here (through the checks)
    raise ImportError("the node-kind registry and the schema disagree: "
                      + "; ".join(schema_problems()))
