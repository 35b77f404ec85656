"""Background traffic offered to a vessel service: the railcars and trucks that share a
rail ferry's deck with the modelled container wagons, and the TEU that share a feeder's
slots with the modelled boxes (Kazakh exports and imports, other directions, empties),
and the crude oil a tanker line carries (tonnes; a tanker carries nothing else).

Each field is a :class:`~sim.scenario.traffic.Background` daily count offered to the
service at one of its ports (``_out``: at the home port ``from``, for the far port;
``_back``: at the far port, for home). The units wait for the service as aggregate counts
(no per-unit events) and share each sailing's usable capacity with the modelled boxes in
proportion to what waits, or (``share = "boxes_first"``) take what the modelled boxes
leave (see :mod:`sim.engine.facilities.sea_traffic`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.basics import Strict as _Strict
from sim.scenario.traffic import Background
from sim.scenario.vessel_kinds import VESSEL_KINDS

# the background fields, each with its unit and the kind of vessel that carries that unit
UNIT_OF_FIELD = {"railcars_out": "railcars", "railcars_back": "railcars",
                 "trucks_out": "trucks", "trucks_back": "trucks",
                 "teu_out": "teu", "teu_back": "teu",
                 "tonnes_out": "tonnes", "tonnes_back": "tonnes"}
UNITS_BY_KIND = {name: k.background_units for name, k in VESSEL_KINDS.items()}


class ServiceTraffic(_Strict):
    """Other traffic offered to a vessel service, per day and direction, with what one unit
    weighs and (ferries) how much deck a truck takes."""

    railcars_out: Background | None = Field(None, description="ferries: other railcars "
                                            "offered at the home port per day")
    railcars_back: Background | None = Field(None, description="ferries: other railcars "
                                             "offered at the far port per day")
    trucks_out: Background | None = Field(None, description="ferries: trucks (road units) "
                                          "offered at the home port per day")
    trucks_back: Background | None = Field(None, description="ferries: trucks offered at "
                                           "the far port per day")
    teu_out: Background | None = Field(None, description="feeders: other TEU offered at "
                                       "the home port per day")
    teu_back: Background | None = Field(None, description="feeders: other TEU offered at "
                                        "the far port per day")
    tonnes_out: Background | None = Field(None, description="tankers: cargo tonnes offered "
                                          "at the home port per day")
    tonnes_back: Background | None = Field(None, description="tankers: cargo tonnes offered "
                                           "at the far port per day")
    railcars_per_truck: float = Field(1.12, gt=0, le=5, description="ferries: deck space of "
                                      "one truck, railcars (corridor-facts §2.4: a Ro-Pax "
                                      "takes 56 railcars or 50 trucks)")
    tonnes_per_railcar: float | None = Field(None, gt=0, le=200, description="cargo tonnes "
                                             "per background railcar")
    tonnes_per_truck: float | None = Field(None, gt=0, le=60, description="cargo tonnes per "
                                           "background truck")
    tonnes_per_teu: float | None = Field(None, gt=0, le=40, description="cargo tonnes per "
                                         "background TEU")
    share: Literal["proportional", "boxes_first"] = Field(
        "proportional", description="how a sailing's space is shared when more waits than "
        "fits: 'proportional' (each kind in proportion to the space it asks for) or "
        "'boxes_first' (the modelled boxes take their space first, as trains with booked "
        "slots on a scheduled service; the background units get what is left)")
    source: str | None = None

    def given(self) -> dict[str, Background]:
        """The background fields set, by name."""
        return {f: getattr(self, f) for f in UNIT_OF_FIELD if getattr(self, f) is not None}

    def space(self) -> dict[str, float]:
        """Capacity units one background unit takes, by unit: a truck its deck space in
        railcars, every other unit one of the vessel's own."""
        return {"railcars": 1.0, "trucks": self.railcars_per_truck, "teu": 1.0,
                "tonnes": 1.0}

    def tonnes_per(self, unit: str) -> float:
        """Cargo tonnes per unit (``railcars``, ``trucks``, ``teu``; 1 for ``tonnes``); 0
        where not given (the checks ask for it wherever a count of that unit is)."""
        if unit == "tonnes":
            return 1.0
        t = {"railcars": self.tonnes_per_railcar, "trucks": self.tonnes_per_truck,
             "teu": self.tonnes_per_teu}[unit]
        return t or 0.0
