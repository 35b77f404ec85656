"""The corridor graph: links between nodes, and the full node path of each flow's route.

No SimPy here. A route is a corridor path (usually from a border crossing onward); a flow
puts its origin in front and its destination at the end, travelling the route forward or
backward, whichever end its origin is linked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sim.scenario.kinds import kind_of
from sim.scenario.schema import Crossing, Port, Scenario, Service, _Handling
from sim.scenario.vessel_kinds import VESSEL_KINDS

T = TypeVar("T", Crossing, Port)

MAX_CROSSINGS = 3  # gauge changes on one path (China border, Brest, Akhalkalaki)
MAX_SEA_LEGS = 2  # sea passages on one path (the Caspian, the Black Sea)


class PathError(ValueError):
    """A route that cannot be joined into a connected path for a flow."""


def routes_of(s: Scenario, fid: str) -> list[str]:
    """The routes a flow may take during the run: its own, then those dated share changes
    give it (in order of first mention)."""
    out = list(s.demand.flows[fid].routes)
    for ch in s.timeline:
        for rid in (ch.shares or {}).get(fid, {}):
            if rid not in out:
                out.append(rid)
    return out


def box_services(scenario: Scenario) -> dict[str, Service]:
    """The vessel services that carry boxes, the network's sea links: all but the tanker
    lines, which carry only background tonnes and join no route."""
    return {sid: v for sid, v in scenario.services.items()
            if VESSEL_KINDS[v.kind].carries_boxes}


def link_index(scenario: Scenario) -> dict[frozenset, str]:
    """Unordered node pair -> id of the link, or of the vessel service that carries boxes,
    joining them."""
    out: dict[frozenset, str] = {}
    for lid, link in scenario.links.items():
        out.setdefault(frozenset((link.from_, link.to)), lid)
    for sid, svc in box_services(scenario).items():
        out.setdefault(frozenset((svc.from_, svc.to)), sid)
    return out


def is_sea(scenario: Scenario, a: str, b: str) -> bool:
    """Whether the hop a -> b is a sea passage (a vessel service carrying boxes joins the
    two)."""
    return any({svc.from_, svc.to} == {a, b} for svc in box_services(scenario).values())


def _joined(a: str, b: str, links: dict[frozenset, str]) -> bool:
    return a == b or frozenset((a, b)) in links


def flow_path(scenario: Scenario, origin: str, destination: str, route_id: str,
              links: dict[frozenset, str] | None = None) -> list[str]:
    """The node path a train of this flow travels on this route, origin to destination."""
    links = links if links is not None else link_index(scenario)
    forward = list(scenario.routes[route_id].path)
    # travel the route in the direction that joins the origin to its start and its end
    # to the destination; forward first
    options = [p for p in (forward, forward[::-1]) if _joined(origin, p[0], links)]
    if not options:
        raise PathError(f"origin '{origin}' is linked to neither end of route "
                        f"'{route_id}' ({forward[0]} ... {forward[-1]})")
    path = next((p for p in options if _joined(p[-1], destination, links)), options[0])
    path = list(path)
    if path[0] != origin:
        path.insert(0, origin)
    if path[-1] != destination:
        if not _joined(path[-1], destination, links):
            raise PathError(f"route '{route_id}' ends at '{path[-1]}', which has no link to "
                            f"destination '{destination}'")
        path.append(destination)
    for a, b in zip(path, path[1:]):
        if not _joined(a, b, links):
            raise PathError(f"no link between '{a}' and '{b}' on route '{route_id}'")
    return path


@dataclass(frozen=True)
class Leg:
    """What a path does at each hop: the link travelled and the node reached."""

    link_id: str    # a link, or a vessel service when ``sea``
    direction: int  # 0: from -> to, 1: the reverse
    node: str
    sea: bool = False


def legs(scenario: Scenario, path: list[str], links: dict[frozenset, str]) -> list[Leg]:
    out = []
    for a, b in zip(path, path[1:]):
        lid = links[frozenset((a, b))]
        sea = lid in scenario.services and lid not in scenario.links
        start = scenario.services[lid].from_ if sea else scenario.links[lid].from_
        out.append(Leg(lid, 0 if start == a else 1, b, sea))
    return out


def ends_at_stop(scenario: Scenario, leg: Leg) -> bool:
    """Whether a train leaves its boxes at the end of ``leg``: a sea leg, or a node where
    boxes wait in a yard for the next train (a crossing, port or dry port): trains leave a
    stop booking their paths anew."""
    return leg.sea or kind_of(scenario.nodes[leg.node]).transfers_boxes


def booked_together(scenario: Scenario, lg: list[Leg], i: int) -> list[tuple[str, int]]:
    """The (link, direction)s a train leaving the stop before leg ``i`` books as it
    leaves: the rail legs from ``i`` up to its next stop."""
    keys = []
    for leg in lg[i:]:
        if leg.sea:
            break
        keys.append((leg.link_id, leg.direction))
        if ends_at_stop(scenario, leg):
            break
    return keys


def gauge_problems(scenario: Scenario, path: list[str]) -> list[str]:
    """Gauge must be constant between border nodes and change at every border node (a node
    whose kind joins the gauges; a sea passage may land on either gauge: boxes are lifted
    off the vessel)."""
    problems = []
    gauge = scenario.nodes[path[0]].gauge_mm
    crossed_at = None  # border just passed, whose far side must have the other gauge
    for prev, node_id in zip(path, path[1:]):
        node = scenario.nodes[node_id]
        if is_sea(scenario, prev, node_id):
            gauge = node.gauge_mm
            continue
        if kind_of(node).joins_gauges:
            if crossed_at is not None:
                problems.append(f"two border crossings in a row ('{crossed_at}', '{node_id}')")
            crossed_at = node_id
            continue
        if crossed_at is not None:
            if node.gauge_mm == gauge:
                problems.append(f"gauge is {gauge} mm on both sides of border crossing "
                                f"'{crossed_at}'")
            crossed_at = None
        elif node.gauge_mm != gauge:
            problems.append(f"gauge changes from {gauge} to {node.gauge_mm} mm at "
                            f"'{node_id}' without a border crossing")
        gauge = node.gauge_mm
    return problems


def crossing_gauges(scenario: Scenario, path: list[str]
                    ) -> list[tuple[str, int | None, int | None]]:
    """(border node, gauge in, gauge out) for each crossing on a valid path (None: no
    gauge on that side)."""
    out: list[tuple[str, int | None, int | None]] = []
    gauge_in: int | None = None
    for i, node_id in enumerate(path):
        node = scenario.nodes[node_id]
        if not kind_of(node).joins_gauges:
            gauge_in = node.gauge_mm
            continue
        nxt = next((scenario.nodes[n].gauge_mm for n in path[i + 1:]
                    if not kind_of(scenario.nodes[n]).joins_gauges), None)
        out.append((node_id, gauge_in, nxt))
    return out


def outbound_boxes(scenario: Scenario, border: str, gauge_out: int | None) -> int:
    """Boxes per outbound train formed at a border crossing onto ``gauge_out``."""
    c = _table(scenario, border, Crossing)
    return c.train_boxes_standard_gauge if gauge_out == 1435 else c.train_boxes_broad_gauge


@dataclass(frozen=True)
class Transfer:
    """A node on a path where boxes leave one train or vessel and wait for the next: a
    border crossing (gauge change) or a port."""

    node: str
    inbound_boxes: int | None   # size of the train or vessel load arriving (None: unknown)
    arrives_by_sea: bool
    outbound_boxes: int         # size of the train or vessel load formed here
    leaves_by_sea: bool
    onward: tuple[str, ...]     # the rest of the path after this node


def transfers(scenario: Scenario, path: list[str]) -> list[Transfer]:
    """The transfer nodes of a valid path in order, with the sizes of what arrives and
    what is formed there."""
    s = scenario
    share = s.demand.share_40ft
    services = {frozenset((v.from_, v.to)): v for v in box_services(s).values()}
    gauges = {b: gout for b, _gin, gout in crossing_gauges(s, path)}
    out = []
    boxes = s.nodes[path[0]].boxes_per_train
    for i in range(1, len(path) - 1):
        nid, node = path[i], s.nodes[path[i]]
        kind = kind_of(node)
        if not kind.transfers_boxes:
            continue
        by_sea = frozenset(path[i - 1:i + 1]) in services
        onto = services.get(frozenset(path[i:i + 2]))
        if onto is not None:
            nb = onto.capacity_boxes(share)
        elif kind.joins_gauges:
            nb = outbound_boxes(s, nid, gauges.get(nid))
        else:  # a port's, or any other table forming trains on its own gauge
            nb = _own_gauge_boxes(s, nid)
        out.append(Transfer(nid, boxes, by_sea, nb, onto is not None, tuple(path[i + 1:])))
        boxes = nb
    return out


def handling_of(scenario: Scenario, node_id: str) -> _Handling | None:
    """The table of a node whose kind transfers boxes (its crossing, port or dry port
    table), None if it has none."""
    n = scenario.nodes[node_id]
    section = kind_of(n).section
    return getattr(n, section) if section is not None else None


def _own_gauge_boxes(scenario: Scenario, node_id: str) -> int:
    """Boxes per outbound train formed on its own gauge at a transfer node that does not
    join gauges: its table's ``train_boxes``."""
    boxes = getattr(handling_of(scenario, node_id), "train_boxes", None)
    if not isinstance(boxes, int):
        raise PathError(f"node '{node_id}' has no table with train_boxes")
    return boxes


def _table(scenario: Scenario, node_id: str, model: type[T]) -> T:
    """The node's table of type ``model``; a node on a valid path has it."""
    table = handling_of(scenario, node_id)
    if not isinstance(table, model):
        raise PathError(f"node '{node_id}' has no {model.__name__.lower()} table")
    return table


def direction_scope(lid: str, from_: str, to: str, direction: int) -> str:
    """The scope naming one direction of a link in the KPIs and daily series:
    ``link:from>to`` (direction 0 from -> to, 1 back)."""
    a, b = (from_, to) if direction == 0 else (to, from_)
    return f"{lid}:{a}>{b}"


def service_scope(sid: str, direction: int) -> str:
    """The scope naming one direction of a vessel service: ``SERVICE`` from its home port,
    ``SERVICE:return`` back."""
    return sid if direction == 0 else f"{sid}:return"
