"""The engine side of the node-kind registry: each kind's facility class, resolved once
from the dotted name its row gives (:data:`sim.scenario.kinds.NODE_KINDS`), and the
facilities of a scenario built from it.

Every facility class is built the same way, ``cls(env, node_id, code, table, handling_rng,
dwell_rng, inspection_rng, inspection_dwell_rng, teu_of)``, with ``table`` the node's
table named by the row's ``section``; what the model needs of a kind beyond that it asks
the row (``joins_gauges``, ``berths_vessels``, ...), never the kind's name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import TypeVar

import numpy as np
import simpy

from sim.engine.facilities.port import VesselService
from sim.engine.facilities.transfer import TransferFacility
from sim.scenario.kinds import Kind, kind_of
from sim.scenario.schema import Scenario
from sim.scenario.vessel_kinds import VESSEL_KINDS

F = TypeVar("F")

# the random streams of one facility: handling, customs, inspection share, inspection dwell
Streams = Callable[[str], tuple[np.random.Generator, np.random.Generator,
                                np.random.Generator, np.random.Generator]]


@cache
def vessel_class(kind: str) -> type[VesselService]:
    """The engine class of a vessel service of ``kind``, named by its row of
    :data:`sim.scenario.vessel_kinds.VESSEL_KINDS` (imported on first use, then kept)."""
    module, _, name = VESSEL_KINDS[kind].engine.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, VesselService)):
        raise TypeError(f"{VESSEL_KINDS[kind].engine} is not a vessel service class")
    return cls


@cache
def engine_class(dotted: str) -> type[TransferFacility]:
    """The facility class named ``"module:Class"`` (imported on first use, then kept)."""
    module, _, name = dotted.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, TransferFacility)):
        raise TypeError(f"{dotted} is not a transfer facility class")
    return cls


def build_facilities(env: simpy.Environment, scenario: Scenario, node_code: dict[str, int],
                     streams: Streams, teu_of: Callable[[np.ndarray], int]
                     ) -> dict[str, TransferFacility]:
    """One facility per node whose kind names an engine class (and that has its table),
    in node order."""
    out = {}
    for nid, node in scenario.nodes.items():
        kind = kind_of(node)
        if kind.engine is None or kind.section is None:
            continue
        table = getattr(node, kind.section)
        if table is None:  # the checks ask every such node for its table
            continue
        out[nid] = engine_class(kind.engine)(env, nid, node_code[nid], table, *streams(nid),
                                             teu_of)
    return out


def facilities_where(scenario: Scenario, facilities: dict[str, TransferFacility],
                     flag: Callable[[Kind], bool], cls: type[F]) -> dict[str, F]:
    """The facilities of the kinds for which ``flag`` holds, each checked to be a ``cls``
    (a row claiming what its engine class does not do fails here, loudly)."""
    out: dict[str, F] = {}
    for nid, fac in facilities.items():
        kind = kind_of(scenario.nodes[nid])
        if flag(kind):
            if not isinstance(fac, cls):
                raise TypeError(f"kind '{kind.name}': its engine class {kind.engine} is not "
                                f"a {cls.__name__}")
            out[nid] = fac
    return out
