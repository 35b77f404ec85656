"""Rules on the seas' weather and the ports' exposure to it."""

from __future__ import annotations

import typing

from sim.scenario.checks.elements import Found
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Port, Scenario

SEA_NAMES: tuple[str, ...] = typing.get_args(Port.model_fields["sea"].annotation)


def sea_weather(s: Scenario) -> Found:
    """Seas are seas a port may lie on; a port exposed to storms lies on a sea with
    weather and names sectors the sea's storms are given for; a port on a sea with
    weather says whether its storms close it (an exposure, ``sectors = []`` if none)."""
    for name in s.seas:
        if name not in SEA_NAMES:
            yield f"seas.{name}", f"unknown sea '{name}' ({did_you_mean(name, SEA_NAMES)})"
    for nid, n in s.nodes.items():
        port = n.port
        if port is None:
            continue
        p = f"nodes.{nid}.port.exposure"
        sea = s.seas.get(port.sea)
        weather = sea.weather if sea is not None else None
        if port.exposure is None:
            if weather is not None:
                yield p, (f"the port's sea '{port.sea}' has weather (seas.{port.sea}."
                          "weather): say which storms close the port, e.g. exposure = "
                          "{ sectors = [\"N\", \"NW\"] } (sectors = [] if none do)")
            continue
        if not port.exposure.sectors:
            continue  # explicitly unexposed
        if weather is None:
            yield p, (f"the port is exposed to storms but its sea '{port.sea}' has no "
                      f"weather: add [seas.{port.sea}.weather], or write sectors = [] if no "
                      "storm closes the port")
            continue
        given = [k for k in port.exposure.sectors if k not in weather.sectors]
        if given:
            yield f"{p}.sectors", (f"no share is given for sector {', '.join(given)} in "
                                   f"seas.{port.sea}.weather.sectors (it gives "
                                   f"{', '.join(weather.sectors)}); add it there (0 if no "
                                   "storm comes from it) or remove it here")
