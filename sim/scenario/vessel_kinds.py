"""The kinds of vessel service, as data: what each carries and in which unit, which of the
service's fields hold its capacity and handling rate, and how it uses its ports.

A kind is one row of :data:`VESSEL_KINDS`; the schema, the checks, the summary, the
engine and the KPIs read the row instead of testing the kind's name, so a new kind of
vessel (a Ro-Ro, a bulk carrier) is a row here plus whatever it does differently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VesselKind:
    """One kind of vessel service.

    Attributes
    ----------
    name : the ``kind`` of a ``[services.ID]`` table.
    capacity_field, rate_field : the service's fields that hold a vessel's capacity and
        its loading/unloading rate, in ``unit`` and ``unit`` per hour.
    unit : the capacity unit as printed (``railcars``, ``TEU``, ``t``).
    background_units : the units of background traffic it carries (the ``_out``/``_back``
        fields of :class:`sim.scenario.sea_traffic.ServiceTraffic`).
    carries : what it carries, in words, for error messages.
    box_space : capacity units one 40 ft box takes (a railcar, 2 TEU); 0: it takes no box,
        joins no route and is no sea link of the network.
    rolls_wagons : container wagons roll on and off it (``roll_on_dwell_h``,
        ``roll_off_dwell_h``) and it reports railcars and trucks.
    own_berths : its vessels use ``berths`` of their own at each end, not the ports'.
    engine : the engine class that runs it, ``"module:Class"`` (a
        :class:`sim.engine.facilities.port.VesselService`).
    """

    name: str
    capacity_field: str
    rate_field: str
    unit: str
    background_units: tuple[str, ...]
    carries: str
    box_space: float
    engine: str = "sim.engine.facilities.port:VesselService"
    rolls_wagons: bool = False
    own_berths: bool = False

    @property
    def carries_boxes(self) -> bool:
        """Whether modelled boxes can sail on it (it is a sea link of the network)."""
        return self.box_space > 0


VESSEL_KINDS: dict[str, VesselKind] = {k.name: k for k in (
    VesselKind("ferry", "capacity_railcars", "handling_per_h", "railcars",
               ("railcars", "trucks"), "railcars and trucks", box_space=1.0,
               rolls_wagons=True),
    VesselKind("feeder", "capacity_teu", "handling_per_h", "TEU", ("teu",), "TEU",
               box_space=2.0),
    VesselKind("tanker", "capacity_t", "handling_t_per_h", "t", ("tonnes",), "tonnes only",
               box_space=0.0, own_berths=True,
               engine="sim.engine.facilities.tanker:TankerLine"),
)}
