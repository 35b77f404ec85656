"""Rules on pools of container flat wagons (:mod:`sim.scenario.wagons`): a pool names
nodes that exist and form trains onto its gauge, no formation point takes its wagons from
two pools, and a pool holds at least the wagons of the longest train it serves, at every
date of the timeline (else that train would wait for ever)."""

from __future__ import annotations

from typing import NamedTuple

from sim.scenario.checks.elements import Found
from sim.scenario.checks.flows import flow_paths
from sim.scenario.kinds import kind_of
from sim.scenario.network import PathError, crossing_gauges, gauge_problems, transfers
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Scenario
from sim.scenario.wagons import full_train_wagons


class Formed(NamedTuple):
    """Where some flow's trains are formed onto a gauge, and the longest of them."""

    node: str
    gauge_mm: int
    boxes_per_train: int


def formation_points(s: Scenario) -> dict[tuple[str, int], Formed]:
    """Every (node, gauge) where a flow's trains are formed on some route: at its origin
    (the terminal's gauge), and at each transfer node it leaves by rail (a crossing: onto
    the gauge beyond; a port or dry port: its own), with the longest train formed there.
    Paths other rules reject are skipped."""
    out: dict[tuple[str, int], Formed] = {}

    def add(node: str, gauge: int | None, boxes: int | None) -> None:
        if gauge is None or boxes is None:
            return
        old = out.get((node, gauge))
        if old is None or boxes > old.boxes_per_train:
            out[(node, gauge)] = Formed(node, gauge, boxes)

    for _fid, _rid, path, err in flow_paths(s):
        if err or path is None or gauge_problems(s, path):
            continue
        origin = s.nodes[path[0]]
        if origin.boxes_per_train is None:
            continue
        add(path[0], origin.gauge_mm, origin.boxes_per_train)
        try:
            gauges = {b: gout for b, _gin, gout in crossing_gauges(s, path)}
            for t in transfers(s, path):
                if t.leaves_by_sea:
                    continue
                gauge = gauges.get(t.node) if kind_of(s.nodes[t.node]).joins_gauges else (
                    s.nodes[t.node].gauge_mm)
                add(t.node, gauge, t.outbound_boxes)
        except PathError:
            continue  # a table missing: another rule reports it
    return out


def wagon_pools(s: Scenario) -> Found:
    """Each pool's nodes exist and form trains onto its gauge, each (node, gauge) in one
    pool, and the pool holds a full train's wagons for the longest train it serves."""
    if not s.wagon_pools:
        return
    formed = formation_points(s)
    owner: dict[tuple[str, int], str] = {}
    for pid, pool in s.wagon_pools.items():
        p = f"wagon_pools.{pid}"
        longest: Formed | None = None
        for i, nid in enumerate(pool.nodes):
            here = f"{p}.nodes[{i}]"
            if nid not in s.nodes:
                yield here, f"unknown node '{nid}' ({did_you_mean(nid, s.nodes)})"
                continue
            point = formed.get((nid, pool.gauge_mm))
            if point is None:
                gauges = sorted(g for n, g in formed if n == nid)
                what = (f"forms trains only onto {', '.join(f'{g} mm' for g in gauges)}"
                        if gauges else "forms no trains (no flow's train is formed there)")
                yield here, (f"'{nid}' forms no trains onto the pool's gauge "
                             f"({pool.gauge_mm} mm): it {what}")
                continue
            key = (nid, pool.gauge_mm)
            if key in owner:
                yield here, (f"'{nid}' already takes its {pool.gauge_mm} mm wagons from pool "
                             f"'{owner[key]}'; a formation point has one pool")
                continue
            owner[key] = pid
            if longest is None or point.boxes_per_train > longest.boxes_per_train:
                longest = point
        if longest is None:
            continue
        need = full_train_wagons(longest.boxes_per_train, pool.teu_per_wagon)
        train = (f"one train of {longest.boxes_per_train} boxes formed at '{longest.node}' "
                 f"(up to {need} wagons of {pool.teu_per_wagon} TEU)")
        if pool.wagons < need:
            yield f"{p}.wagons", f"{pool.wagons} wagons cannot take {train}"
        for i, ch in enumerate(s.timeline):
            value = (ch.set or {}).get(f"{p}.wagons")
            if value is not None and value == int(value) and 1 <= value < need:
                # (a fraction or a value out of bounds: the timeline rule reports it)
                yield f"timeline[{i}].set.{p}.wagons", f"{value:g} wagons cannot take {train}"
