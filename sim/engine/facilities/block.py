"""Block trains crossing a gauge change whole (flows with ``arrives_as = "block_trains"``).

A block train was filled by its forwarder before the origin terminal and runs as one train
to its destination: at a crossing it is unloaded, cleared and transferred like any train
(:meth:`~sim.engine.facilities.transfer.TransferFacility.receive`), but its boxes do not
join the crossing's pool for the onward path (where they would wait for other boxes and
leave on trains of the crossing's length): they leave together, on one train of their own
length on the other gauge, once the last of them is ready (those pulled for inspection
included: the whole train waits for its slowest box). The train then takes the next free
handover of its direction (:meth:`~sim.engine.facilities.handover.Handover.submit`; at
once without a cap, unless the rail side is closed). One timer per train, none per box.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.facilities.slots import at

if TYPE_CHECKING:
    from sim.engine.facilities.border import BorderCrossing
    from sim.engine.facilities.formation import TrainFormation


class WholeTrains:
    """The block trains of one flow and route crossing one crossing whole.

    Parameters
    ----------
    crossing : the crossing.
    on_depart : what a train does on leaving, ``on_depart(rows, hour, teu)`` (runs on).
    gauge_out_mm : the gauge the trains leave on (names their handover gate).
    """

    def __init__(self, crossing: BorderCrossing,
                 on_depart: Callable[[np.ndarray, float, int], None],
                 gauge_out_mm: int | None):
        self.crossing = crossing
        self.env = crossing.env
        self.leave = crossing.departure(on_depart)  # the train's length: its own boxes
        gate = crossing.handover(gauge_out_mm)
        if gate is None:  # pragma: no cover (a crossing has a gate per gauge)
            raise ValueError(f"{crossing.id}: no handover onto {gauge_out_mm} mm")
        self.gate = gate
        self._pieces: list[np.ndarray] = []  # the train being cleared: its batches
        self._ready_h = 0.0                  # and the hour the last is ready

    def receive(self, idx: np.ndarray, teu: int, _pool: TrainFormation | None) -> None:
        """A block train of boxes ``idx`` arrives at the crossing (a plan step's receive:
        the step's pool is not used)."""
        self.crossing.receive(idx, teu, self)

    def add_batch(self, rows: np.ndarray, ready_h: float, wake: bool = True) -> None:
        """Boxes of the train being cleared, ready at ``ready_h`` (as a pool's
        ``add_batch``: ``wake=False``, more of the same train follow at once; the last
        batch completes the train, which leaves once all its boxes are ready)."""
        if len(rows):
            self._pieces.append(rows)
            self._ready_h = max(self._ready_h, ready_h) if len(self._pieces) > 1 else ready_h
        if not wake:
            return
        pieces, ready_h = self._pieces, self._ready_h
        self._pieces = []
        if not pieces:
            return
        train = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        at(self.env, max(ready_h - self.env.now, 0.0), lambda _e: self._ready(train))

    def _ready(self, rows: np.ndarray) -> None:
        """The train's last box is ready: it takes the next free handover."""
        self.gate.submit(rows, self.env.now, self.leave)
