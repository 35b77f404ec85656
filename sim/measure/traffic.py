"""Modelled and background volumes side by side: the trains on a link, the TEU and tonnes
through a port (``link_trains_total``, ``port_teu_total``, ``port_tonnes_total``).

The totals are reported for the links and ports given background traffic (elsewhere
the modelled volumes are the whole of what the model knows, and the modelled-only KPIs
say it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.measure.intervals import link_directions, visits
from sim.measure.monitors import PutYears, counts_in
from sim.measure.tonnes import row_tonnes
from sim.scenario.network import direction_scope

if TYPE_CHECKING:
    from sim.engine.facilities.rail import RailLine
    from sim.engine.output import RunOutput
    from sim.scenario.schema import Port


KPIS: dict[str, tuple[str, str]] = {
    "link_trains_total": ("trains", "trains entering the link in the period, per "
                          "direction: the modelled trains plus the background trains "
                          "(links.X.background_trains) and empty trains going back "
                          "(demand.flows.X.empties); links with either only"),
    "port_teu_total": ("TEU", "TEU through the port in the period: the modelled boxes "
                       "arriving there (by train or vessel) plus the background TEU "
                       "offered to its yard (port.background_teu); ports with background "
                       "traffic only"),
    "port_tonnes_total": ("tonnes", "tonnes through the port in the period: the modelled "
                          "boxes arriving there (TEU x their flow's tonnes_per_teu) plus "
                          "the background tonnes (port.background_tonnes, which include "
                          "the background TEU's cargo); ports with background traffic "
                          "only"),
    "link_trains_background": ("trains", "of link_trains_total, the background trains"),
    "port_teu_background": ("TEU", "of port_teu_total, the background TEU"),
    "port_tonnes_background": ("tonnes", "of port_tonnes_total, the background tonnes"),
}


def background_entering(line: RailLine, direction: int, edges: np.ndarray) -> np.ndarray:
    """Background trains entering one direction of a link per window (zeros: none)."""
    return counts_in(line.background_paths()[direction], edges)


def has_background(port: Port) -> bool:
    """A port table with any background traffic."""
    return any(x is not None for x in (port.background_trains, port.background_teu,
                                        port.background_vessel_calls,
                                        port.background_tonnes))


def link_totals(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """``link_trains_total`` per year and direction of each link with background trains
    (both directions, whether or not a flow's path uses them)."""
    s = out.scenario
    done: set[tuple[str, int]] = set()
    for scope, line, _reached, entered in link_directions(out):
        link = s.links[line.id]
        if not line.has_background():  # (background or empty trains going back)
            continue
        d = 0 if scope == direction_scope(line.id, link.from_, link.to, 0) else 1
        bg = background_entering(line, d, edges)
        put_years("link_trains_total", scope, counts_in(entered, edges) + bg)
        put_years("link_trains_background", scope, bg)
        done.add((line.id, d))
    for lid, link in s.links.items():
        if not out.lines[lid].has_background():
            continue
        for d in (0, 1):
            if (lid, d) not in done:
                scope = direction_scope(lid, link.from_, link.to, d)
                bg = background_entering(out.lines[lid], d, edges)
                put_years("link_trains_total", scope, bg)
                put_years("link_trains_background", scope, bg)


def port_totals(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """``port_teu_total`` and ``port_tonnes_total`` per year of each port with background
    traffic: the modelled boxes counted when they arrive at the port."""
    s = out.scenario
    for pid, port in out.ports.items():
        table = s.nodes[pid].port
        if table is None or not has_background(table):
            continue
        v = visits(out, pid)
        rows = v["row"]
        teu = counts_in(v["arrive"], edges, out.store.teu[rows])
        tonnes = counts_in(v["arrive"], edges, row_tonnes(out)[rows])
        bg_teu, bg_tonnes = np.zeros(len(edges) - 1), np.zeros(len(edges) - 1)
        bg = port.background
        if bg is not None:
            bg_teu = counts_in(bg.teu_offered_h, edges, bg.teu_offered)
            bg_tonnes = counts_in(bg.tonnes_day_h, edges, bg.tonnes_by_day)
        put_years("port_teu_total", pid, teu + bg_teu)
        put_years("port_teu_background", pid, bg_teu)
        put_years("port_tonnes_total", pid, tonnes + bg_tonnes)
        put_years("port_tonnes_background", pid, bg_tonnes)
