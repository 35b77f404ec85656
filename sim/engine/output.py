"""What one replication hands to the measure layer: its calendar and its raw output (the
record store and the facilities with their logs), before any statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from sim.engine.acceptance import AcceptanceGate
from sim.engine.facilities.border import BorderCrossing
from sim.engine.facilities.empties import EmptyReturns
from sim.engine.facilities.port import PortFacility, VesselService
from sim.engine.facilities.rail import RailLine
from sim.engine.facilities.transfer import TransferFacility
from sim.engine.facilities.wagons import WagonPool
from sim.engine.market import MarketFlow
from sim.engine.records import ContainerStore
from sim.scenario.schema import Scenario
from sim.scenario.span import period_label


class Year(NamedTuple):
    """A calendar year of the reported horizon, clipped to it, in model hours."""

    label: str      # "2024"; a year the horizon covers in part: "2024 Jan–Mar"
    from_h: float
    to_h: float


@dataclass(frozen=True)
class Calendar:
    """Maps dates to model hours: hour 0 is midnight at ``t0``, the start of the warm-up;
    ``start`` and ``end`` bound the reported horizon."""

    t0: dt.date
    start: dt.date
    end: dt.date
    # label a year the horizon covers in part by its months (horizon.label_partial_years)
    partial_labels: bool = False

    def hours(self, day: dt.date) -> float:
        return (day - self.t0).days * 24.0

    @property
    def end_h(self) -> float:
        return self.hours(self.end)

    @property
    def start_h(self) -> float:
        return self.hours(self.start)

    def years(self) -> list[Year]:
        """Each calendar year in the reported horizon, clipped to it, labelled by the
        year (``"2024"``); with ``partial_labels``, a year covered in part by its months
        (``"2024 Jan–Mar"``, :func:`sim.scenario.span.period_label`)."""
        out = []
        for y in range(self.start.year, self.end.year + 1):
            a = max(self.start, dt.date(y, 1, 1))
            b = min(self.end, dt.date(y + 1, 1, 1))
            if b > a:
                label = period_label(a, b) if self.partial_labels else str(y)
                out.append(Year(label, self.hours(a), self.hours(b)))
        return out

    @classmethod
    def of(cls, scenario: Scenario) -> Calendar:
        h = scenario.horizon
        return cls(h.start - dt.timedelta(days=h.warmup_days), h.start, h.end,
                   h.label_partial_years)


@dataclass
class RunOutput:
    """Everything one replication produced, before any statistics."""

    scenario: Scenario
    seed: int
    replication: int
    calendar: Calendar
    store: ContainerStore
    node_ids: list[str]
    flow_ids: list[str]
    route_ids: list[str]
    crossings: dict[str, BorderCrossing]
    lines: dict[str, RailLine]
    ports: dict[str, PortFacility] = field(default_factory=dict)
    services: dict[str, VesselService] = field(default_factory=dict)
    # per block train formed at an origin: a row of sim.engine.logs.OriginTrain (a plain
    # tuple: flow, route, departed_h, boxes, teu)
    origin_trains: list[tuple[int, int, float, int, int]] = field(default_factory=list)
    # per origin train under the nested logit: a row of sim.engine.logs.SeaChoice (flow,
    # departed_h, p_sea); empty otherwise
    sea_choices: list[tuple[int, float, float]] = field(default_factory=list)
    # the flows that split a market with the sea, by flow code (sim.engine.market); their
    # ``accepted`` log holds sim.engine.logs.MarketDay rows
    markets: dict[int, MarketFlow] = field(default_factory=dict)
    # the acceptance limits' logs (sim.engine.acceptance; None: no limit in the scenario)
    gate: AcceptanceGate | None = None
    # (link id, direction) on some flow's path
    link_directions: set[tuple[str, int]] = field(default_factory=set)
    # every transfer facility (crossings, ports and any other kind that transfers boxes),
    # by node, in node order
    facilities: dict[str, TransferFacility] = field(default_factory=dict)
    # the empties going back to the origin regions (sim.engine.facilities.empties;
    # None: no flow has empties)
    empties: EmptyReturns | None = None
    # the pools of container flat wagons (sim.engine.facilities.wagons), by id; none
    # without wagon_pools
    wagon_pools: dict[str, WagonPool] = field(default_factory=dict)
    # records derived after the run, computed once (KPIs and daily series share them)
    cache: dict = field(default_factory=dict)
