"""Seeds and named random streams.

One ``SeedSequence`` per (seed, replication) is split into independent streams, one per
purpose and, where it matters, per element (flow, crossing, link), keyed by a stable hash
of the element's id (two words of its SHA-256). Two scenarios run with the same seed
therefore see the same demand and the same handling and dwell draws wherever their
elements coincide (common random numbers), and adding a flow does not shift the draws of
the others.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Fixed forever: renumbering would change every published result.
STREAMS = {
    "demand": 0,      # container arrival times and sizes, per flow
    "route": 1,       # route drawn for each block train, per flow
    "handling": 2,    # crane handling times, per crossing
    "dwell": 3,       # customs clearance per train, per crossing
    "running": 4,     # line running speeds, per link
    "junction": 5,    # train stops at junctions, per node
    "weather": 6,     # storms and gales, per facility and disruption; a sea's storms (sea:NAME)
    "breakdowns": 7,  # reserved: equipment failures
    "inspection": 8,  # which boxes are inspected at a crossing, and for how long
    "background": 9,  # background traffic counts, per facility and field
    "mode": 10,       # rail or sea for each candidate box of a market flow, per flow
    "acceptance": 11,  # the route a train refused at its origin takes instead
}


def element_key(element_id: str) -> tuple[int, int]:
    """A stable 64-bit key for an element id, as two 32-bit words of its SHA-256
    (independent of Python's hash seed; distinct ids do not collide in practice)."""
    digest = hashlib.sha256(element_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little")


def stream(seed: int, name: str, replication: int = 0, element: str | None = None
           ) -> np.random.Generator:
    """An independent generator for one purpose (and element) of one replication."""
    key = (replication, STREAMS[name]) if element is None else (
        replication, STREAMS[name], *element_key(element))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
