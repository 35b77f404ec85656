"""The node kinds as a registry: one row per kind, read by the checks, the network graph,
the summary and the map instead of testing ``kind == "..."``.

A row names what the rest of the package needs to know about a kind: the table on
:class:`~sim.scenario.schema.Node` that configures its facility, the engine class that
simulates it (a dotted string: this layer never imports the engine), the KPIs it yields,
its map symbol, and what it does (closes, transfers boxes, changes gauge, berths vessels,
forms trains, stops trains). The fields a timeline may change, and their bounds, come from
the schema (fields marked with :func:`~sim.scenario.schema.during_run`).

Adding a kind: a ``NodeKind`` value and, if it has one, a table on ``Node`` in the schema;
an engine class; a row here. :func:`registry_problems` (run by ``tests/test_kinds.py``)
says what a row names that does not exist.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass

import annotated_types as at
from pydantic import BaseModel

from sim.scenario.schema import Link, Node, NodeKind, Service


@dataclass(frozen=True)
class Symbol:
    """How the corridor map draws a kind: marker, marker size (points²), colour, and the
    label's font size (0: not named), style and colour."""

    marker: str
    size: float
    colour: str
    label_size: float
    label_style: str = "normal"
    label_colour: str = "black"


@dataclass(frozen=True)
class Kind:
    """One node kind.

    Attributes
    ----------
    name : the value of ``Node.kind``.
    label : what the map's legend calls it.
    plural : how messages name nodes of the kind ("border nodes", "ports").
    section : the field of ``Node`` holding the kind's facility table (``"crossing"``,
        ``"port"``), which nodes of the kind must have and others must not; None: none.
    section_noun : how messages name that table ("crossing", "port table").
    section_help : what the table holds, for the message when it is missing.
    engine : ``"module:Class"`` of the engine class simulating one node of the kind;
        None: no facility object (the model's plan steps handle the node).
    kpis : the KPIs (names in ``sim.measure.kpis.KPIS``) scoped to a node of the kind;
        closable kinds also yield :data:`CLOSURE_KPIS` when they close.
    symbol : the map symbol.
    closable : timeline closures and random disruptions may close it.
    transfers_boxes : boxes leave one train or vessel and wait in a yard for the next.
    joins_gauges : a border crossing with gauge change: no gauge of its own, the gauge
        differs on its two sides; transit boxes are counted at such nodes.
    berths_vessels : vessel services sail between nodes of the kind.
    terminus : flows start and end here; block trains are formed here
        (``boxes_per_train``, ``departure``).
    stops_trains : trains passing stop for a while (``train_dwell_h``).
    """

    name: str
    label: str
    plural: str
    section: str | None
    section_noun: str
    section_help: str
    engine: str | None
    kpis: tuple[str, ...]
    symbol: Symbol
    closable: bool = False
    transfers_boxes: bool = False
    joins_gauges: bool = False
    berths_vessels: bool = False
    terminus: bool = False
    stops_trains: bool = False

    @property
    def timeline_fields(self) -> dict[str, Bounds]:
        """Fields of the kind's table a timeline may change, with their bounds."""
        return {} if self.section is None else changeable(section_model(self.section))


# boxes through a crossing or port, its queues, yard, closures and the parts of the dwell
_HANDLING_KPIS = ("closure_hours", "yard_occupancy_teu_mean", "yard_utilisation")

# the registry; its order is the order of messages that list kinds, of the summary's
# tables and of the map's symbols and key
NODE_KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("border", label="border crossing", plural="border nodes", section="crossing",
         section_noun="crossing", section_help="",
         engine="sim.engine.facilities.border:BorderCrossing",
         kpis=("trains_by_crossing", "containers_by_crossing", "teu_by_crossing",
               "mean_queue", "peak_queue", "utilisation", *_HANDLING_KPIS,
               "border_dwell_hours_mean", "border_handling_hours_mean",
               "border_customs_hours_mean", "border_consolidation_hours_mean"),
         symbol=Symbol("s", 28, "black", 7.5),
         closable=True, transfers_boxes=True, joins_gauges=True),
    Kind("port", label="port", plural="ports", section="port",
         section_noun="port table", section_help="berths, yard, handling",
         engine="sim.engine.facilities.port:PortFacility",
         kpis=(*_HANDLING_KPIS, "port_dwell_hours_mean", "port_handling_hours_mean",
               "port_customs_hours_mean", "port_consolidation_hours_mean",
               "caspian_teu"),  # caspian_teu: ports on the Caspian
         symbol=Symbol("o", 30, "#1f4e79", 7.5),
         closable=True, transfers_boxes=True, berths_vessels=True),
    Kind("terminal", label="terminal", plural="terminals", section=None, section_noun="",
         section_help="", engine=None, kpis=(),
         symbol=Symbol("^", 26, "#444444", 6.5, "italic", "#333333"),
         terminus=True),
    Kind("junction", label="junction", plural="junctions", section=None, section_noun="",
         section_help="", engine=None, kpis=(),
         symbol=Symbol(".", 10, "#777777", 0),
         stops_trains=True),
)}

# what a closable facility yields when it closes (timeline or random disruptions)
CLOSURE_KPIS = ("disruption_events", "disruption_boxes_delayed", "disruption_peak_backlog",
                "disruption_recovery_hours_mean", "disruption_unrecovered")

if set(NODE_KINDS) != set(typing.get_args(NodeKind)):
    raise ImportError(f"the node kinds of the registry ({', '.join(NODE_KINDS)}) and of "
                      f"schema.NodeKind ({', '.join(typing.get_args(NodeKind))}) differ")


def kind_of(node: Node) -> Kind:
    """The registry row of a node's kind."""
    return NODE_KINDS[node.kind]


def kinds_where(flag: Callable[[Kind], bool]) -> list[Kind]:
    """The kinds, in registry order, for which ``flag`` holds."""
    return [k for k in NODE_KINDS.values() if flag(k)]


def and_list(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(words) if len(words) < 3 else (
        ", ".join(words[:-1]) + " and " + words[-1])


# -- timeline-changeable fields, from the schema ----------------------------------------

class Bounds(typing.NamedTuple):
    """Bounds of a value a timeline may set: whole numbers from ``low`` to ``high``, both
    included; else above ``low`` (excluded) up to ``high`` (included)."""

    low: float
    high: float
    whole: bool


_SIDES = ((at.Gt, "gt"), (at.Ge, "ge"), (at.Lt, "lt"), (at.Le, "le"))


def _own_bounds(info) -> dict[str, float]:
    """A field's ``gt``/``ge``/``lt``/``le`` as given to its ``Field``."""
    return {side: getattr(m, side) for m in info.metadata for cls, side in _SIDES
            if isinstance(m, cls)}


def _bound_of(field: str, bounds: dict[str, float], whole: bool) -> Bounds:
    """The :class:`Bounds` of a field from its ``gt``/``ge``/``le``/``lt``."""
    if whole:
        low = bounds["ge"] if "ge" in bounds else bounds["gt"] + 1
        high = bounds["le"] if "le" in bounds else bounds["lt"] - 1
        return Bounds(low, high, True)
    if "ge" in bounds or "lt" in bounds or "gt" not in bounds or "le" not in bounds:
        raise TypeError(f"{field}: a real-valued timeline field needs gt and le bounds "
                        f"(has {bounds})")
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
        for a, b in (("ge", "gt"), ("gt", "ge"), ("le", "lt"), ("lt", "le")):
            if a in mark:
                own.pop(b, None)
        own.update(mark)
        out[name] = _bound_of(f"{model.__name__}.{name}", own, info.annotation is int)
    return out


def section_model(section: str) -> type[BaseModel]:
    """The schema model of a ``Node`` table (``Crossing`` for ``"crossing"``)."""
    annotation = Node.model_fields[section].annotation
    return next(a for a in typing.get_args(annotation) if a is not type(None))


def timeline_fields() -> dict[str, dict[str, Bounds]]:
    """Per table of the scenario (links, nodes, services), the fields a timeline may set
    (``section.field`` for nodes) and their bounds."""
    nodes: dict[str, Bounds] = {}
    for k in NODE_KINDS.values():
        nodes.update({f"{k.section}.{f}": b for f, b in k.timeline_fields.items()})
    return {"links": changeable(Link), "nodes": nodes, "services": changeable(Service)}


# -- the registry's own consistency -------------------------------------------------------

def registry_problems(kpi_names: Collection[str],
                      resolve: Callable[[str], object]) -> list[str]:
    """What the registry names that does not exist: kinds unknown to the schema, tables
    missing from ``Node``, KPIs missing from ``kpi_names`` (the KPI catalogue), engine
    classes that ``resolve`` (``"module:Class"`` -> object) cannot find or that are not
    classes. Passing the catalogue and the resolver keeps this layer free of the engine
    and the measures."""
    out = []
    schema_kinds = typing.get_args(NodeKind)
    for k in NODE_KINDS.values():
        if k.name not in schema_kinds:
            out.append(f"kind '{k.name}': not a NodeKind of the schema")
        if k.section is not None and k.section not in Node.model_fields:
            out.append(f"kind '{k.name}': Node has no table '{k.section}'")
        if k.section is not None and k.engine is None:
            out.append(f"kind '{k.name}': a kind with a table needs an engine class")
        if k.engine is not None:
            try:
                cls = resolve(k.engine)
            except (ImportError, AttributeError, ValueError) as e:
                out.append(f"kind '{k.name}': engine class {k.engine} not found ({e})")
            else:
                if not isinstance(cls, type):
                    out.append(f"kind '{k.name}': engine {k.engine} is not a class")
        missing = [n for n in (*k.kpis, *(CLOSURE_KPIS if k.closable else ()))
                   if n not in kpi_names]
        if missing:
            out.append(f"kind '{k.name}': KPIs not in the catalogue: {', '.join(missing)}")
    return out
