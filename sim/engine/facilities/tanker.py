"""Tanker lines: vessel services that carry background tonnes (crude oil) and no boxes.

A :class:`TankerLine` is a :class:`~sim.engine.facilities.port.VesselService` whose only
cargo is the daily tonnes of its ``background`` (``tonnes_out`` offered at the home port,
``tonnes_back`` at the far port), held as aggregate counts in a
:class:`~sim.engine.facilities.sea_traffic.BackgroundQueue` (tonnes offered evenly over
each day, first in, first out) and loaded by the service's sailing rule through the same
:class:`~sim.engine.facilities.sea_traffic.SharedLoad` pool as the other services'
background units: with ``full_or_max_wait``, a tanker waiting at home sails once the
waiting tonnes fill ``capacity_t x load_factor``, or with what waits once the oldest
tonne has waited ``max_wait_h``. A vessel's cycle is the service's (berth, load at
``handling_t_per_h``, sail, berth, discharge, take what waits for the way back up to a
load, sail home: in ballast when nothing is offered back), a few events per sailing and
none per tonne.

Two things differ from a ferry or feeder:

* the vessels take **berths of the line's own** at each end (``berths``: the oil
  terminals), so they never queue with the ports' ferries, feeders and other ships;
* the ports' closures to shipping (sea storms by the port's exposure, timeline closures)
  hold them exactly as any other ship there: no berthing, no release of a load and no
  sailing while the port is closed (work begun at a berth is finished).

A sailing's ``Sailing.units`` is the tonnes it carries, so ``vessel_fill_rate`` is the
tanker's real fill; ``boxes`` and ``teu`` are 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.engine.facilities.port import PortFacility, VesselService
from sim.engine.facilities.slots import Slots

if TYPE_CHECKING:
    import numpy as np
    import simpy

    from sim.scenario.schema import Service


class TankerLine(VesselService):
    """A tanker line (see the module docstring). Built with the arguments of a
    :class:`VesselService`; those about boxes (``share_40ft``, ``teu``, the roll-off
    stream) are not used."""

    def __init__(self, env: simpy.Environment, sid: str, cfg: Service, home: PortFacility,
                 away: PortFacility, share_40ft: float, teu: np.ndarray,
                 berthing_rng: np.random.Generator, crossing_rng: np.random.Generator,
                 background: dict[str, np.ndarray] | None = None,
                 roll_off_rng: np.random.Generator | None = None):
        if cfg.berths is None:  # the schema asks a tanker for its berths
            raise ValueError(f"service {sid}: a tanker line needs berths")
        # the oil terminals: the line's own berths at each end, by port
        self.terminals = {id(home): Slots(env, cfg.berths), id(away): Slots(env, cfg.berths)}
        super().__init__(env, sid, cfg, home, away, share_40ft, teu, berthing_rng,
                         crossing_rng, background, None)

    def berths_at(self, port: PortFacility) -> Slots:
        """The line's own berths at ``port`` (never the port's)."""
        return self.terminals[id(port)]

    def carried_units(self, teu: int, boxes: int, bg: tuple[int, ...]) -> float:
        """Tonnes aboard (a tanker carries background tonnes only)."""
        return float(sum(bg))
