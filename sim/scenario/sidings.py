"""The ferry sidings of a port where container wagons roll on to a rail ferry.

A ferry service with ``roll_on_dwell_h`` (:class:`~sim.scenario.schema.Service`) rolls
the container wagons of the trains that reach its home port onto its ferries as they
stand: a train is split into ferry cuts on the port's ferry sidings (``ferry_shunt_h``
per train, on its receiving track), the wagons wait there, sealed, through the
formalities dwell and for a ferry, and never enter the yard or a crane. The sidings hold
``ferry_sidings_railcars`` wagons (one 40 ft or two 20 ft boxes each); a train waits on
its receiving track while they are full (see :mod:`sim.engine.facilities.roll_on`).
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.basics import Strict as _Strict


class PortSidings(_Strict):
    """The ferry sidings of a port (ports only; needed where a ferry rolls wagons on)."""

    ferry_sidings_railcars: int | None = Field(None, gt=0, le=10000, description="railcars "
                                               "the ferry sidings hold, waiting to roll on "
                                               "to a ferry (a railcar carries one 40 ft or "
                                               "two 20 ft boxes; none: no ferry sidings)")
    ferry_shunt_h: float = Field(1.0, ge=0, le=48, description="hours to split an arriving "
                                 "train into ferry cuts and push them onto the ferry "
                                 "sidings, per train, holding its receiving track")
