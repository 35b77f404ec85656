"""The loading of the lines (:meth:`RailLine.add_background`) and facilities
(:class:`~sim.engine.facilities.traffic.FacilityTraffic`) with background traffic, drawn
up front for the whole run (:mod:`sim.engine.facilities.counts`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.facilities.counts import daily_counts, daily_means, hours_of
from sim.engine.facilities.port import PortFacility
from sim.engine.facilities.traffic import FacilityTraffic
from sim.engine.randomness import stream
from sim.scenario.schema import Port

if TYPE_CHECKING:
    from sim.engine.facilities.rail import RailLine
    from sim.engine.facilities.transfer import TransferFacility
    from sim.scenario.schema import Scenario


def start_background(scenario: Scenario, first_day: dt.date, n_days: int, seed: int,
                     replication: int, lines: dict[str, RailLine],
                     facilities: dict[str, TransferFacility],
                     empty_trains: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                     ) -> None:
    """Draw every background field of the scenario for the ``n_days`` from ``first_day``
    (hour 0) and load the lines and facilities with it. Each field draws from its own
    stream, ``background`` keyed ``"<element>:<field>"``, so adding one changes no other
    draw. ``empty_trains``: per link, the hours of empty trains going back per direction
    (:mod:`sim.engine.facilities.empties`), booked with the link's background trains."""
    def rng(element: str, field: str) -> np.random.Generator:
        return stream(seed, "background", replication, f"{element}:{field}")

    empty = empty_trains or {}
    for lid, link in scenario.links.items():
        if link.background_trains is not None:
            r = rng(lid, "background_trains")
            each = [daily_counts(link.background_trains, r, first_day, n_days)
                    for _ in (0, 1)]
            both = [hours_of(each[0], r), hours_of(each[1], r)]
            if lid in empty:
                both = [np.concatenate((h, e)) for h, e in zip(both, empty[lid])]
            # a plan knows the expected trains (and the empty trains' hours), not the draws
            lines[lid].add_background(
                both[0], both[1], daily_means(link.background_trains, first_day, n_days),
                empty.get(lid), link.background_trains.cv)
        elif lid in empty:
            lines[lid].add_background(*empty[lid])
    for nid, fac in facilities.items():
        cfg = fac.cfg
        port = cfg if isinstance(cfg, Port) else None
        wanted = [cfg.background_trains] + ([] if port is None else [
            port.background_teu, port.background_vessel_calls, port.background_tonnes])
        if all(w is None for w in wanted):
            continue
        traffic = fac.background = FacilityTraffic(fac)
        if cfg.background_trains is not None:
            r = rng(nid, "background_trains")
            hours = hours_of(daily_counts(cfg.background_trains, r, first_day, n_days), r)
            traffic.start_trains(hours, cfg.background_moves_per_train,
                                 cfg.background_track_h, cfg.handling_cv, r)
        if port is None:
            continue
        if not isinstance(fac, PortFacility):  # the registry pairs the port table with it
            raise TypeError(f"{nid}: a port table needs a port facility")
        day_h = 24.0 * np.arange(n_days)
        if port.background_teu is not None and port.background_dwell_h is not None:
            r = rng(nid, "background_teu")
            teu = daily_counts(port.background_teu, r, first_day, n_days)
            traffic.start_batches(fac, day_h + 24.0 * r.random(n_days), teu,
                                  port.background_dwell_h, port.background_moves_per_teu, r)
        if port.background_vessel_calls is not None and port.background_berth_h is not None:
            r = rng(nid, "background_vessel_calls")
            calls = daily_counts(port.background_vessel_calls, r, first_day, n_days)
            traffic.start_calls(fac, hours_of(calls, r), port.background_berth_h, r)
        if port.background_tonnes is not None:
            r = rng(nid, "background_tonnes")
            traffic.set_tonnes(day_h, daily_counts(port.background_tonnes, r, first_day,
                                                   n_days))
