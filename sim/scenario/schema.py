"""The scenario schema: the single source of every field's type, unit, bounds, default
and description.

Model time is in hours; units are carried by field names. Cross-field rules live in
:mod:`sim.scenario.checks`; loading (``extends``, overrides) in :mod:`sim.scenario.loading`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    field_validator,
    model_validator,
)

from sim.scenario.acceptance import Acceptance
from sim.scenario.basics import Months, Region, monthly_profile
from sim.scenario.basics import Strict as _Strict
from sim.scenario.choice_fields import RouteChoice
from sim.scenario.costs import Costs
from sim.scenario.distributions import Distribution
from sim.scenario.empties import ReturnEmpties
from sim.scenario.fleets import Fleet
from sim.scenario.handover import CrossingHandover
from sim.scenario.sea_mode import SeaMode
from sim.scenario.sea_traffic import ServiceTraffic
from sim.scenario.sidings import PortSidings
from sim.scenario.traffic import Background, HandlingTraffic, PortTraffic
from sim.scenario.vessel_kinds import VESSEL_KINDS
from sim.scenario.wagons import WagonPool
from sim.scenario.weather import Exposure, Sea

# the node kinds; each is a row of the registry, sim.scenario.kinds (sim.scenario.kind_fields
# checks at import that the two name the same kinds)
NodeKind = Literal["terminal", "junction", "border", "port", "dry_port"]
# middle_corridor: to Europe across the Caspian; trans_caspian: the same Caspian crossing
# for boxes that end in the South Caucasus
Corridor = Literal["northern", "trans_siberian", "middle_corridor", "trans_caspian",
                   "north_south", "central_asia", "domestic"]
Gauge = Literal[1435, 1520]
DepartureRule = Literal["full", "timetable", "full_or_max_wait"]


def during_run(**bounds: float) -> dict[str, Any]:
    """``json_schema_extra`` of a field that a timeline may change during a run (``set =
    { "table.ID.field" = value }``). The new value keeps the field's own bounds except
    those given here (``ge``, ``gt``, ``le``, ``lt``), which replace the bound on their
    side. :func:`sim.scenario.kind_fields.changeable` reads this mark."""
    return {"timeline": bounds}


class Departure(_Strict):
    """When a train that is being formed leaves."""

    rule: DepartureRule = Field(
        default="full", description="full: when the train is full; timetable: at fixed times with "
        "what is ready; full_or_max_wait: when full or when the oldest ready box has waited "
        "max_wait_h")
    max_wait_h: float | None = Field(default=None, gt=0,
                                     description="for full_or_max_wait, hours")
    departures_per_day: float | None = Field(default=None, gt=0, le=96,
                                             description="for timetable, departures per day")
    first_departure_h: float = Field(default=0.0, ge=0, lt=24,
                                     description="for timetable, hour of day")
    min_boxes: int = Field(default=1, ge=0, description="a train never leaves with fewer "
                           "boxes (0: a vessel service's timetable sails even empty)")

    @model_validator(mode="after")
    def _rule_params(self):
        if self.rule == "full_or_max_wait" and self.max_wait_h is None:
            raise ValueError("rule 'full_or_max_wait' needs max_wait_h (hours, > 0)")
        if self.rule == "timetable" and self.departures_per_day is None:
            raise ValueError("rule 'timetable' needs departures_per_day (> 0)")
        if self.min_boxes == 0 and self.rule != "timetable":
            raise ValueError(f"min_boxes 0 (leave empty) only with rule 'timetable' (rule "
                             f"'{self.rule}' would leave empty at once and again)")
        return self


class Disruption(_Strict):
    """Random closures of a facility: events start as a Poisson process with a monthly
    profile and last a random time; the facility is closed while any event lasts."""

    kind: Literal["gale", "storm", "breakdown", "other"] = Field(
        description="what closes the facility (gale and storm draw from the weather stream, "
        "breakdown and other from the breakdowns stream)")
    events_per_year: float = Field(gt=0, le=365, description="mean events starting per year")
    seasonality: Months = Field(default_factory=lambda: [1.0] * 12,
                                description="monthly weights Jan..Dec, mean 1: "
                                "when in the year events start")
    duration_h: Distribution = Field(description="how long one event closes it, hours")
    source: str | None = None

    @field_validator("seasonality")
    @classmethod
    def _season(cls, v: list[float]):
        return monthly_profile(v, "weights")


class _Handling(HandlingTraffic, Acceptance):
    """Rail-side handling shared by border crossings and ports: inbound trains wait for a
    receiving track, yard space and a crane gang, are unloaded, cleared, and their boxes
    wait in the yard for what takes them on."""

    receiving_tracks: int = Field(gt=0, le=200, description="tracks on which inbound trains "
                                  "wait and are unloaded, count", json_schema_extra=during_run())
    siding_length_m: float = Field(gt=0, le=5000, description="usable length of a receiving "
                                   "or departure track, metres")
    cranes: int = Field(gt=0, le=200, description="crane gangs, each working one train, count",
                        json_schema_extra=during_run())
    crane_moves_per_h: float = Field(gt=0, le=500, description="container moves per hour "
                                     "by one crane gang", json_schema_extra=during_run())
    moves_per_box: float = Field(2.0, gt=0, le=4, description="crane moves charged per box "
                                 "(unload from one gauge, load onto the other)")
    handling_cv: float = Field(0.3, ge=0, le=3, description="coefficient of variation of a "
                               "train's handling time (0 deterministic, 1 exponential)")
    yard_capacity_teu: float = Field(gt=0, description="yard capacity, TEU; unloading "
                                     "blocks while the yard is full",
                                     # a timeline change is also held to 10 million TEU
                                     json_schema_extra=during_run(le=1e7))
    customs_dwell_h: Distribution = Field(description="customs clearance of an inbound "
                                          "train (or vessel load) after unloading (its boxes "
                                          "are released together), hours")
    inspection_share: float = Field(0.0, ge=0, le=1, description="fraction of boxes pulled "
                                    "for physical inspection after clearance")
    inspection_dwell_h: Distribution | None = Field(None, description="extra dwell of the "
                                                    "boxes of a train pulled for inspection "
                                                    "(released together), hours")
    departure: Departure = Field(default_factory=Departure, description="departure rule "
                                 "for outbound trains formed here")
    source: str | None = None

    @model_validator(mode="after")
    def _inspection(self):
        if self.inspection_share > 0 and self.inspection_dwell_h is None:
            raise ValueError("inspection_share > 0 needs inspection_dwell_h (a distribution, "
                             "hours)")
        return self


class Crossing(_Handling, CrossingHandover):
    """A border crossing with gauge change (1435 <-> 1520 mm transshipment); daily
    handover caps by direction in :mod:`sim.scenario.handover`."""

    train_boxes_standard_gauge: int = Field(gt=0, le=200, description="boxes per outbound "
                                            "train formed on 1435 mm")
    train_boxes_broad_gauge: int = Field(gt=0, le=200, description="boxes per outbound "
                                         "train formed on 1520 mm")


class Port(_Handling, PortTraffic, PortSidings):
    """A sea port: the rail side (tracks, cranes, yard, clearance, outbound trains) plus
    berths for the vessel services that call. Vessel loads are unloaded into the same
    yard and cleared (customs_dwell_h, one draw per load) before their boxes move on."""

    sea: Literal["caspian", "black_sea", "other"] = Field(
        description="the sea the port is on (caspian_teu counts Caspian ports)")
    berths: int = Field(gt=0, le=50, description="berths for the vessel services, count",
                        json_schema_extra=during_run())
    train_boxes: int = Field(gt=0, le=200, description="boxes per outbound train formed "
                             "here (on the port's gauge)")
    exposure: Exposure | None = Field(None, description="which storms of the sea's weather "
                                      "(seas.SEA.weather) close the port to shipping, and for "
                                      "how long; none: the sea's weather does not apply")


class DryPort(_Handling):
    """An inland dry port on one gauge: inbound trains are unloaded into the yard and
    cleared by customs, and their boxes re-formed into outbound trains on the same
    gauge."""

    train_boxes: int = Field(gt=0, le=200, description="boxes per outbound train formed "
                             "here (on the node's gauge)")


# the names of sim.scenario.vessel_kinds.VESSEL_KINDS (a test holds them equal)
VesselKind = Literal["ferry", "feeder", "tanker"]


class Service(_Strict):
    """A vessel service between two ports, run by a fleet of identical vessels that
    shuttle between them. Vessels start at ``from``; there each sails by the ``sailing``
    rule with the boxes waiting for it; at ``to`` it unloads, takes what is ready for the
    way back (up to its capacity, without waiting) and returns.

    A rail ferry's capacity is in railcars (a railcar carries one 40 ft or two 20 ft
    boxes); a feeder's in TEU; ``load_factor`` (ships loaded light for draft limits)
    scales either. Loads are counted in boxes, as many as fit if all were 40 ft (see
    :meth:`capacity_boxes`), so no load ever exceeds the usable capacity. A ferry with
    ``roll_off_dwell_h`` rolls its wagons off onto the rails (no yard), one with
    ``roll_on_dwell_h`` rolls them on at its home port from the port's ferry sidings
    (:mod:`sim.scenario.sidings`); ``background`` traffic shares the vessels
    (:mod:`sim.scenario.sea_traffic`).

    A tanker line carries only background tonnes (``background.tonnes_out`` and
    ``tonnes_back``), never boxes: no route sails on it; its capacity is in tonnes
    (``capacity_t``, handled at ``handling_t_per_h``) and its vessels use ``berths`` of
    their own at each end (oil terminals), not the ports' berths, while the ports'
    closures to shipping (storms, timeline closures) hold them as any ship there."""

    kind: VesselKind = Field(description="ferry: rail ferry carrying railcars; feeder: "
                             "container ship carrying TEU; tanker: oil tanker carrying "
                             "background tonnes only")
    from_: str = Field(alias="from", description="home port (node id)")
    to: str = Field(description="far port (node id)")
    # 0: laid up (a service a timeline brings into use later, or lays up for a while)
    fleet: int = Field(0, ge=0, le=200, description="vessels on the service, count (0: laid "
                       "up until a timeline change)", json_schema_extra=during_run())
    fleet_pool: str | None = Field(None, description="id of a fleet (fleets table) whose "
                                   "vessels serve this line instead of a fleet of its own "
                                   "(sim.scenario.fleets)")
    capacity_railcars: int | None = Field(None, gt=0, le=500, description="ferries: "
                                          "railcars per vessel")
    capacity_teu: int | None = Field(None, gt=0, le=30000, description="feeders: TEU per "
                                     "vessel")
    capacity_t: float | None = Field(None, gt=0, le=500_000, description="tankers: cargo "
                                     "tonnes per vessel")
    load_factor: float = Field(1.0, gt=0, le=1, description="share of the capacity usable "
                               "(draft limits keep Caspian ships at 0.7-0.8)")
    handling_per_h: float | None = Field(None, gt=0, le=2000, description="ferries and "
                                         "feeders: loading and unloading rate at berth, "
                                         "railcars (ferry) or TEU (feeder) per hour")
    handling_t_per_h: float | None = Field(None, gt=0, le=20_000, description="tankers: "
                                           "loading and discharge rate at berth, tonnes per "
                                           "hour")
    berths: int | None = Field(None, ge=1, le=20, description="tankers: berths of the "
                               "line's own at each end (oil terminals, apart from the ports' "
                               "berths), count")
    berthing_h: Distribution = Field(description="fixed time per port call (mooring, "
                                     "documents, unmooring), hours")
    crossing_h: Distribution = Field(description="sea passage one way, hours")
    sailing: Departure = Field(default_factory=Departure, description="when a vessel at "
                               "the home port sails (min_boxes in boxes)")
    roll_off_dwell_h: Distribution | None = Field(None, description="ferries: container "
                                                  "wagons roll off and leave by rail after "
                                                  "this formalities dwell, hours, without "
                                                  "the yard (none: landed into the yard)")
    roll_on_dwell_h: Distribution | None = Field(None, description="ferries: the wagons "
                                                 "of trains reaching the home port roll on "
                                                 "from its ferry sidings after this "
                                                 "formalities dwell, hours, one draw per "
                                                 "train, without the yard (none: lifted "
                                                 "from the yard)")
    background: ServiceTraffic | None = Field(None, description="other traffic sharing the "
                                              "vessels (sim.scenario.sea_traffic)")
    source: str | None = None

    @model_validator(mode="after")
    def _capacity(self):
        if self.fleet and self.fleet_pool is not None:
            raise ValueError(f"a service has its own fleet ({self.fleet}) or a fleet_pool, "
                             "not both (fleet = 0 with a fleet_pool)")
        if "fleet" not in self.model_fields_set and self.fleet_pool is None:
            raise ValueError("a service needs fleet (its vessels, count) or fleet_pool (the "
                             "id of a fleet it shares)")
        k = VESSEL_KINDS[self.kind]
        if not k.carries_boxes and self.fleet_pool is not None:
            raise ValueError(f"a {self.kind} line has a fleet of its own (fleet), not a "
                             "fleet_pool")
        mine, wrong = (k.capacity_field, k.rate_field), []  # every misfit at once, one line
        wrong += [f"a {self.kind} needs {want}" for want in mine if getattr(self, want) is None]
        wrong += [f"a {self.kind} has {want}, not {other}"
                  for o in VESSEL_KINDS.values()
                  for want, other in zip(mine, (o.capacity_field, o.rate_field))
                  if other != want and getattr(self, other) is not None]
        if k.own_berths != (self.berths is not None):
            own = " or ".join(n for n, o in VESSEL_KINDS.items() if o.own_berths)
            wrong.append(f"a {self.kind} needs berths (its own at each end)"
                         if self.berths is None else f"only a {own} has berths of its own "
                         f"(a {self.kind} uses its ports' berths)")
        if wrong:
            raise ValueError("; ".join(dict.fromkeys(wrong)))
        return self

    def capacity_units(self) -> float:
        """A vessel's capacity in its own unit: railcars (ferry), TEU (feeder) or tonnes
        (tanker), before the load factor."""
        cap = getattr(self, VESSEL_KINDS[self.kind].capacity_field)
        if cap is None:  # the _capacity validator requires it
            raise ValueError(f"a {self.kind} needs its capacity")
        return float(cap)

    def handling_rate_per_h(self) -> float:
        """Loading and unloading rate, capacity units (railcars, TEU or tonnes) per hour."""
        rate = getattr(self, VESSEL_KINDS[self.kind].rate_field)
        if rate is None:  # the _capacity validator requires it
            raise ValueError(f"a {self.kind} needs its handling rate")
        return float(rate)

    def capacity_boxes(self, share_40ft: float = 1.0) -> int:
        """Boxes a vessel takes: its usable capacity (capacity x load_factor) over the
        space of the largest box (a railcar or 2 TEU), so that no load, whatever its
        20/40 ft mix, exceeds it; a load of the scenario's mix fills
        (1 + share_40ft) / 2 of it on average. A tanker takes no box (0)."""
        per_box = VESSEL_KINDS[self.kind].box_space
        if not per_box:
            return 0
        return max(1, int(self.capacity_units() * self.load_factor / per_box + 1e-9))

    def units(self, teu: int, boxes: int) -> float:
        """Railcars (ferry) or TEU (feeder) taken by ``boxes`` boxes of ``teu`` TEU (a
        tanker takes none: 0)."""
        k = VESSEL_KINDS[self.kind]
        if not k.carries_boxes:
            return 0.0
        if not k.rolls_wagons:
            return float(teu)
        forty = teu - boxes  # each 40 ft box is 2 TEU, each 20 ft 1
        return forty + (boxes - forty) / 2


class Node(_Strict):
    """A point of the network: a terminal (where block trains start or end), a junction,
    a border crossing with gauge change, or a port."""

    name: str = Field(min_length=1)
    kind: NodeKind
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 code")
    region: Region
    lon: float = Field(ge=-180, le=180, description="longitude, degrees east")
    lat: float = Field(ge=-90, le=90, description="latitude, degrees north")
    gauge_mm: Gauge | None = Field(None, description="track gauge; none for border nodes, "
                                   "which join the two gauges")
    boxes_per_train: int | None = Field(None, gt=0, le=200, description="terminals: boxes per "
                                        "block train formed here")
    departure: Departure | None = Field(None, description="terminals: departure rule "
                                        "for block trains formed here (default full)")
    train_dwell_h: Distribution | None = Field(None, description="junctions: per-train stop "
                                               "(locomotive change, inspection), hours")
    crossing: Crossing | None = None
    port: Port | None = None
    dry_port: DryPort | None = None
    disruptions: list[Disruption] = Field(default_factory=list, description="nodes of a "
                                          "closable kind (border crossings, ports, dry ports): "
                                          "random closures (at a port they stop berthing, "
                                          "loading and sailing)")
    source: str | None = None


class Link(_Strict):
    """A rail segment between two nodes, used in both directions."""

    from_: str = Field(alias="from", description="node id")
    to: str = Field(description="node id")
    length_km: float = Field(gt=0, le=20000)
    speed_km_per_day: Distribution = Field(description="train running speed on the segment, "
                                           "km per day")
    train_paths_per_day: float = Field(gt=0, le=2000, description="train paths per day in "
                                       "each direction", json_schema_extra=during_run())
    disruptions: list[Disruption] = Field(default_factory=list, description="random closures")
    background_trains: Background | None = Field(None, description="other trains per day "
                                                 "in each direction (freight of all kinds, "
                                                 "passenger), each taking a train path "
                                                 "ahead of the modelled trains, trains")
    acceptance_limit_queue_h: float | None = Field(
        None, gt=0, le=8760, description="the routes through the line refuse new trains at "
        "their origins while a train accepted then is projected to wait longer than this "
        "for a path in their direction when it reaches the line, the trains already on "
        "their way to it counted, hours (none: no limit)")
    source: str | None = None


class Route(_Strict):
    """A corridor path from a crossing onward; flows prepend their origin and append their
    destination. A route may be travelled in either direction."""

    corridor: Corridor
    path: list[str] = Field(min_length=1, description="node ids in travel order")
    tariff_usd_per_feu: float = Field(0.0, ge=0, le=100_000, description="rate for a 40 ft "
                                      "box, origin to destination (route choice)")
    prior_transit_days: float | None = Field(None, gt=0, le=365, description="expected "
                                             "transit time before any journey is observed "
                                             "(route choice)")
    prior_unreliability_days: float = Field(0.0, ge=0, le=365, description="expected p95 - "
                                            "p50 transit time before observations")
    open_from: dt.date | None = Field(None, description="first day the route exists (a new "
                                      "crossing or terminal): not offered before (none: always)")
    source: str | None = None


# twelve monthly weights Jan..Dec averaging 1, checked one by one (each its own problem)
MonthlyWeights = Annotated[Months, AfterValidator(lambda w: monthly_profile(w, "weights"))]


class Flow(_Strict):
    """Demand between an origin and a destination."""

    origin: str
    destination: str
    containers_per_year: float = Field(ge=0, description="boxes per year in demand.base_year")
    growth_per_year: float = Field(0.0, gt=-1, le=5, description="fractional yearly growth "
                                   "(0.12 = +12 %/yr)")
    containers_by_year: dict[int, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="boxes in particular calendar years, where known; "
        "a year not given grows by growth_per_year from the latest year given before it "
        "(the base year counts as given), else back from the earliest year given after it")
    market_factor_by_year: dict[int, Annotated[float, Field(gt=0, le=10)]] = Field(
        default_factory=dict, description="a flow the sea competes for, in years before the "
        "base year: its volume that year times the factor is its rail volume at reference "
        "conditions, the market's worth (fitted: sim.study.calibration.choice)")
    seasonality_by_year: dict[int, MonthlyWeights] = (
        Field(default_factory=dict, description="the flow's own monthly weights Jan..Dec in "
              "particular calendar years (averaging 1), replacing demand.seasonality in "
              "those years: how a year's volume came within it, where that is known"))
    routes: dict[str, float] = Field(min_length=1, description="route id -> share of trains")
    arrives_as: Literal["boxes", "block_trains"] = Field(
        "boxes", description="boxes: one by one, a train leaves the origin by its departure "
        "rule; block_trains: a whole train's boxes (the origin's boxes_per_train) at once, "
        "booked by a forwarder who filled it before the terminal")
    tonnes_per_teu: float | None = Field(None, gt=0, le=40, description="mean gross cargo "
                                         "tonnes per TEU of this flow (default: "
                                         "demand.tonnes_per_teu)")
    empties: ReturnEmpties | None = Field(None, description="empties going back to the "
                                          "origin region (none: not modelled)")
    source: str | None = None

    def volume(self, year: int, base_year: int) -> float:
        """Expected boxes in calendar ``year`` (before demand.scale): the volume given for
        that year (containers_by_year, or containers_per_year for the base year), else
        grown by growth_per_year from the latest year given before it, else back from the
        earliest year given after it."""
        known = {base_year: self.containers_per_year, **self.containers_by_year}
        if year in known:
            return known[year]
        before = [y for y in known if y < year]
        anchor = max(before) if before else min(known)
        return known[anchor] * (1.0 + self.growth_per_year) ** (year - anchor)

    @field_validator("routes")
    @classmethod
    def _shares(cls, v: dict[str, float]):
        return _route_shares(v)


class Demand(_Strict):
    scale: float = Field(1.0, ge=0, le=100, description="multiplier on every flow")
    base_year: int = Field(ge=1990, le=2100, description="year in which containers_per_year "
                           "holds")
    share_40ft: float = Field(ge=0, le=1, description="fraction of boxes that are 40 ft")
    tonnes_per_teu: float = Field(10.0, gt=0, le=40, description="mean cargo tonnes per TEU "
                                  "of a flow that does not give its own (the GLEC-aligned "
                                  "convention is 10 t per TEU)")
    seasonality: Months = Field(description="monthly factors Jan..Dec, mean 1")
    arrival_process: Literal["poisson", "deterministic"] = Field(
        "poisson", description="poisson: Poisson arrivals at the daily rate; deterministic: "
        "evenly spaced arrivals with the same daily totals up to rounding (for verification)")
    flows: dict[str, Flow] = Field(min_length=1)
    source: str | None = None

    @field_validator("seasonality")
    @classmethod
    def _season(cls, v: list[float]):
        return monthly_profile(v, "factors")


class Horizon(_Strict):
    start: dt.date = Field(description="first reported day")
    end: dt.date = Field(description="day after the last reported day")
    warmup_days: int = Field(90, ge=0, le=3650, description="simulated before start and "
                             "excluded from yearly KPIs")
    label_partial_years: bool = Field(False, description="label a year the horizon covers "
                                      "in part by its months (\"2024 Jan–Mar\") in the KPIs' "
                                      "periods, tables and figures; false: by the year alone "
                                      "(corridor run --horizon sets it)")

    @model_validator(mode="after")
    def _order(self):
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class RollingStock(_Strict):
    metres_per_box: float = Field(default=15.0, gt=0, le=40, description="train length per box "
                                  "(one 40 ft flat wagon), metres")
    locomotive_length_m: float = Field(default=25.0, ge=0, le=100)
    source: str | None = None


class TransitCount(_Strict):
    """Which containers count toward transit_containers_china_central_asia."""

    crossings: list[str] = Field(min_length=1, description="border nodes where boxes are "
                                 "counted on arrival")
    origin_regions: list[Region] = Field(default_factory=lambda: list[Region](["china"]))
    destination_regions: list[Region] = Field(
        default_factory=lambda: list[Region](["europe"]))
    source: str | None = None


class Kpis(_Strict):
    transit: TransitCount


StrictNumber = Annotated[float, BeforeValidator(
    lambda v: _no_bool(v))]


def _no_bool(v):
    if isinstance(v, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(v, dict):
        raise ValueError("expected a number; write the dotted path in quotes, e.g. "
                         "set = { \"links.ID.train_paths_per_day\" = 60 }")
    return v


def _route_shares(v: dict[str, float]) -> dict[str, float]:
    bad = [k for k, x in v.items() if x < 0]
    if bad:
        raise ValueError(f"route shares must be >= 0 (negative: {', '.join(bad)})")
    total = sum(v.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"route shares must sum to 1 (they sum to {total:g})")
    return v


class Change(_Strict):
    """A dated change: new values for some parameters (``set``), a closure of a facility
    for some days (``close``: a border node, port or link), or new route shares for some
    flows (``shares``: flow id -> route id -> share, for trains leaving from the date)."""

    date: dt.date = Field(description="first day the change holds (from midnight)")
    set: dict[str, StrictNumber] | None = Field(None, description="\"dotted.path\" (quoted) "
                                                "-> new value")
    close: str | None = Field(None, description="id of a border node, port or link")
    days: float | None = Field(None, gt=0, le=3650, description="closure length, days")
    shares: dict[str, Annotated[dict[str, Annotated[float, Strict()]], Field(min_length=1)]
                 ] | None = Field(None, min_length=1, description="flow id -> new route "
                                  "shares (route id -> share, summing to 1)")
    source: str | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = [k for k in ("set", "close", "shares") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a change has exactly one of 'set' (new values), 'close' (a "
                             "facility id, with 'days') or 'shares' (new route shares per "
                             "flow)")
        if self.close is not None and self.days is None:
            raise ValueError("a closure needs 'days' (its length, > 0)")
        if self.close is None and self.days is not None:
            raise ValueError("'days' belongs to a closure; a 'set' or 'shares' change holds "
                             "from its date on (add another change to undo it)")
        return self


class Scenario(_Strict):
    """A complete, resolved scenario."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = Field(1, ge=0, description="default seed")
    horizon: Horizon
    demand: Demand
    rolling_stock: RollingStock = Field(default_factory=RollingStock)
    nodes: dict[str, Node] = Field(min_length=2)
    links: dict[str, Link] = Field(min_length=1)
    routes: dict[str, Route] = Field(min_length=1)
    services: dict[str, Service] = Field(default_factory=dict, description="vessel services "
                                         "between ports; a route crosses the sea where two "
                                         "ports served by one follow each other")
    kpis: Kpis
    route_choice: RouteChoice = Field(default_factory=RouteChoice)
    timeline: list[Change] = Field(default_factory=list, description="dated changes and "
                                   "closures, applied in date order")
    fleets: dict[str, Fleet] = Field(default_factory=dict, description="fleets shared by "
                                     "several vessel services (sim.scenario.fleets)")
    seas: dict[str, Sea] = Field(default_factory=dict, description="sea name (as a port's "
                                 "sea) -> its weather, which closes the ports exposed to it")
    costs: Costs | None = Field(None, description="tariffs and CO2e intensities by leg "
                                "(sim.scenario.costs); none: no cost or CO2e KPIs")
    sea_mode: SeaMode | None = Field(None, description="the sea alternative of the nested "
                                     "logit (sim.scenario.sea_mode)")
    wagon_pools: dict[str, WagonPool] = Field(default_factory=dict, description="fleets of "
                                              "container flat wagons trains take at their "
                                              "formation points (sim.scenario.wagons)")
