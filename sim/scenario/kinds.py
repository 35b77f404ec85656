"""The node kinds as a registry: one row per kind, read by the checks, the network graph,
the summary and the map instead of testing ``kind == "..."``.

A row names what the rest of the package needs to know about a kind: the table on
:class:`~sim.scenario.schema.Node` that configures its facility, the engine class that
simulates it (a dotted string: this layer never imports the engine), the KPIs it yields,
its map symbol, and what it does (closes, transfers boxes, changes gauge, berths vessels,
forms trains, stops trains). The registry is plain data, light enough for the figures to
import; its schema side (the fields a timeline may change in a kind's table and their
bounds, and the check that schema and registry name the same kinds) is
:mod:`sim.scenario.kind_fields`.

Adding a kind: a ``NodeKind`` value and, if it has one, a table on ``Node`` in the schema;
an engine class; a row here. :func:`registry_problems` and
:func:`sim.scenario.kind_fields.schema_problems` (run by ``tests/test_kinds.py``) say what
a row names that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.schema import Node


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
        closable kinds also yield :data:`CLOSURE_KPIS`, whether or not anything closes
        them (0 closures then, so a comparison pairs a closure with none).
    series : the daily series (``metric`` of ``sim.measure.timeseries.daily``, whose
        ``kind`` column is the kind's ``section``) of a node of the kind.
    symbol : the map symbol.
    closable : timeline closures and random disruptions may close it.
    transfers_boxes : boxes leave one train or vessel and wait in a yard for the next.
    joins_gauges : a border crossing with gauge change: no gauge of its own, the gauge
        differs on its two sides; transit boxes are counted at such nodes.
    berths_vessels : vessel services sail between nodes of the kind.
    terminus : flows start and end here; block trains are formed here
        (``boxes_per_train``, ``departure``).
    stops_trains : trains passing stop for a while (``train_dwell_h``).

    The fields of its table a timeline may change, with their bounds, are
    :func:`sim.scenario.kind_fields.kind_fields`, read from the schema.
    """

    name: str
    label: str
    plural: str
    section: str | None
    section_noun: str
    section_help: str
    engine: str | None
    kpis: tuple[str, ...]
    series: tuple[str, ...]
    symbol: Symbol
    closable: bool = False
    transfers_boxes: bool = False
    joins_gauges: bool = False
    berths_vessels: bool = False
    terminus: bool = False
    stops_trains: bool = False


# what every facility with a yard yields: hours closed, yard occupancy and utilisation
_HANDLING_KPIS = ("closure_hours", "yard_occupancy_teu_mean", "yard_utilisation")

# the registry; its order is the order of messages that list kinds, of the summary's
# tables and of the map's symbols and key
NODE_KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("border", label="border crossing", plural="border nodes", section="crossing",
         section_noun="crossing", section_help="",
         engine="sim.engine.facilities.border:BorderCrossing",
         kpis=("trains_by_crossing", "containers_by_crossing", "teu_by_crossing",
               "queue_trains_mean", "queue_trains_peak", "utilisation", *_HANDLING_KPIS,
               "border_dwell_hours_mean", "border_handling_hours_mean",
               "border_customs_hours_mean", "border_consolidation_hours_mean"),
         series=("trains_arrived", "boxes_arrived", "queue_trains", "crane_utilisation",
                 "yard_teu", "yard_utilisation"),
         symbol=Symbol("s", 28, "black", 7.5),
         closable=True, transfers_boxes=True, joins_gauges=True),
    Kind("port", label="port", plural="ports", section="port",
         section_noun="port table", section_help="berths, yard, handling",
         engine="sim.engine.facilities.port:PortFacility",
         kpis=(*_HANDLING_KPIS, "port_dwell_hours_mean", "port_handling_hours_mean",
               "port_customs_hours_mean", "port_consolidation_hours_mean",
               "caspian_teu"),  # caspian_teu: ports on the Caspian
         series=("boxes_arrived_by_rail", "boxes_arrived_by_sea", "yard_teu",
                 "yard_utilisation", "closed_share"),
         symbol=Symbol("o", 30, "#1f4e79", 7.5),
         closable=True, transfers_boxes=True, berths_vessels=True),
    Kind("dry_port", label="inland dry port", plural="dry ports", section="dry_port",
         section_noun="dry port table", section_help="tracks, cranes, yard, outbound trains",
         engine="sim.engine.facilities.dry_port:DryPortFacility",
         kpis=(*_HANDLING_KPIS, "port_dwell_hours_mean", "port_handling_hours_mean",
               "port_customs_hours_mean", "port_consolidation_hours_mean"),
         series=("boxes_arrived_by_rail", "yard_teu", "yard_utilisation", "closed_share"),
         symbol=Symbol("D", 26, "#8c510a", 7.0),
         closable=True, transfers_boxes=True),
    Kind("terminal", label="terminal", plural="terminals", section=None, section_noun="",
         section_help="", engine=None, kpis=(), series=(),
         symbol=Symbol("^", 26, "#444444", 6.5, "italic", "#333333"),
         terminus=True),
    Kind("junction", label="junction", plural="junctions", section=None, section_noun="",
         section_help="", engine=None, kpis=(), series=(),
         symbol=Symbol(".", 10, "#777777", 0),
         stops_trains=True),
)}

# what a closable facility yields, its closures' effects (timeline or random
# disruptions): never closed, 0 closures and boxes caught, no peak backlog or recovery
CLOSURE_KPIS = ("disruption_events", "disruption_boxes_delayed", "disruption_peak_backlog",
                "disruption_recovery_hours_mean", "disruption_unrecovered")


# what a node of a kind that berths vessels yields when its port table has background
# traffic (sim.measure.traffic): modelled and background volumes together
BACKGROUND_KPIS = ("port_teu_total", "port_tonnes_total", "port_teu_background",
                   "port_tonnes_background")


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


# -- the registry's own consistency -------------------------------------------------------

def registry_problems(kpi_names: Collection[str],
                      resolve: Callable[[str], object]) -> list[str]:
    """What the registry names that does not exist: KPIs missing from ``kpi_names`` (the
    KPI catalogue), engine classes that ``resolve`` (``"module:Class"`` -> object) cannot
    find or that are not classes, kinds with a table but no engine class. Passing the
    catalogue and the resolver keeps this layer free of the engine and the measures."""
    out = []
    for k in NODE_KINDS.values():
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
        missing = [n for n in (*k.kpis, *(CLOSURE_KPIS if k.closable else ()),
                               *(BACKGROUND_KPIS if k.berths_vessels else ()))
                   if n not in kpi_names]
        if missing:
            out.append(f"kind '{k.name}': KPIs not in the catalogue: {', '.join(missing)}")
    return out
