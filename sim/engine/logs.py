"""The rows of the logs that facilities write during a run, each a ``NamedTuple``.

A log is a list of rows, one per event (a train handled, a vessel sailing, a change of
capacity). Each row type below names the columns, with their units; code outside the
facility that writes a log reads it by these names, never by column number, usually
through :func:`columns`, which turns a whole log into the same ``NamedTuple`` holding one
column array per field::

    sail = columns(service.sailings, Sailing)
    counts_in(sail.sailed_h, edges, sail.teu)

Logs written once per train or more often (path bookings, origin trains, a crossing's
inbound, clearance and outbound logs) hold plain tuples in the column order of their row
type: making a ``NamedTuple`` costs several times a plain tuple, and these are the hot
paths of the model. The rarer logs hold the row types themselves. Either way the row
type is the one place the column order is defined.

The row types are generic in the type of their fields, ``V``: ``float`` (or ``int``) for
one row, a NumPy array for the columns of a log. Model time is hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from sim.engine.records import rows_array

V = TypeVar("V")  # a field: a number in one row, an array in the columns of a log
R = TypeVar("R", bound=tuple)


class OriginTrain(NamedTuple, Generic[V]):
    """A block train leaving its origin terminal (``RunOutput.origin_trains``)."""

    flow: V          # flow code (index into ``RunOutput.flow_ids``)
    route: V         # route code (index into ``RunOutput.route_ids``)
    departed_h: V    # departure hour
    boxes: V         # containers on board
    teu: V           # TEU on board


class SeaChoice(NamedTuple, Generic[V]):
    """The nested logit's P(sea) when a block train left its origin
    (``RunOutput.sea_choices``; ``route_choice.model = "nested_logit"`` only)."""

    flow: V          # flow code (index into ``RunOutput.flow_ids``)
    departed_h: V    # departure hour
    p_sea: V         # the model's probability that a box of the flow goes by sea then


class MarketDay(NamedTuple, Generic[V]):
    """A market flow's day (``MarketFlow.accepted``, sim.engine.market): how many of its
    candidate boxes came to rail."""

    day_h: V         # the day's midnight, hour
    p_rail: V        # the nested logit's P(rail) then
    accept: V        # P_rail / (P_rail_ref x headroom): the chance a candidate came to rail
    candidates: V    # candidate boxes that arrived that day
    rail: V          # of them, those that came to rail
    lost: V          # and those refused (acceptance limits) that went to sea instead


class Diversion(NamedTuple, Generic[V]):
    """A train refused at its origin by a route over its acceptance limit, sent by another
    (``AcceptanceGate.diverted``, sim.engine.acceptance)."""

    flow: V          # flow code
    from_route: V    # route code it was to take
    to_route: V      # route code it took
    hour: V          # when
    boxes: V         # containers on board


class Held(NamedTuple, Generic[V]):
    """A train held at its origin while no route of its flow accepted trains, or behind
    one that was (``AcceptanceGate.held``)."""

    flow: V          # flow code
    route: V         # route code it took in the end
    from_h: V        # its planned departure
    to_h: V          # left
    boxes: V         # containers on board


class Refused(NamedTuple, Generic[V]):
    """A train of a flow the sea does not compete for, due while a train of the flow was
    held at its origin and no route of the flow accepted trains: refused there
    (``AcceptanceGate.refused``)."""

    flow: V          # flow code
    hour: V          # its planned departure
    boxes: V         # containers on board


class PathBooking(NamedTuple, Generic[V]):
    """A train path booked on a rail line (``RailLine.log``, flat: read with
    ``RailLine.log_arrays``)."""

    reached_h: V     # hour the train reached the link (asked for a path)
    entered_h: V     # hour of the path it got (entered the link)
    direction: V     # 0: from -> to, 1: back


class InboundTrain(NamedTuple, Generic[V]):
    """A train unloaded at a crossing or port (``TransferFacility.log``)."""

    arrived_h: V        # arrival at the facility
    track_h: V          # got a receiving track
    crane_start_h: V    # a crane gang started unloading it
    unloaded_h: V       # unloading done
    boxes: V            # containers on board
    teu: V              # TEU on board


class Clearance(NamedTuple, Generic[V]):
    """Customs clearance of an unloaded train's boxes (``TransferFacility.clear_log``, one
    row per row of ``TransferFacility.log``)."""

    cleared_h: V        # the train's boxes cleared (those not pulled for inspection)
    boxes_inspected: V  # boxes pulled for inspection: the train's first ones
    inspected_h: V      # their release after inspection (NaN: none pulled)


class OutboundTrain(NamedTuple, Generic[V]):
    """A train formed at a crossing or port leaving it (``TransferFacility.out_log``)."""

    departed_h: V       # departure hour
    boxes: V            # containers on board
    capacity_boxes: V   # the train's length, boxes


class HandoverTrain(NamedTuple, Generic[V]):
    """A train handed over in one direction of a crossing (``Handover.log``)."""

    formed_h: V         # the train was formed (released by its departure rule)
    departed_h: V       # it was handed over (left the crossing)
    boxes: V            # containers on board


class WagonTake(NamedTuple, Generic[V]):
    """A train taking its wagons from a pool (``WagonPool.take_log``; the k-th row is the
    pool's train k)."""

    ready_h: V          # the train was formed (released by its departure rule)
    took_h: V           # it took its wagons (waited from ready_h while too few were free)
    wagons: V           # wagons taken


class WagonCycle(NamedTuple, Generic[V]):
    """A train's wagons back in their pool (``WagonPool.cycle_log``)."""

    train: V            # the train's row in the pool's take_log
    departed_h: V       # the loaded train left (after any handover wait)
    arrived_h: V        # it reached its unloading point
    freed_h: V          # its boxes were unloaded (or it arrived: destination, ferry)
    back_h: V           # the wagons were back in the pool
    wagons: V           # wagons


class WagonLevel(NamedTuple, Generic[V]):
    """A pool's wagons by state after a change (``WagonPool.level_log``)."""

    t_h: V              # hour of the change
    free: V             # in the pool (below 0 after a cut: wagons to withdraw as they
                        # come back)
    loaded: V           # taken by trains, boxes not yet unloaded
    returning: V        # unloaded, on their way back empty
    fleet: V            # the pool's wagons (free + loaded + returning)


class Landing(NamedTuple, Generic[V]):
    """A vessel load landed into a port's yard (``PortFacility.sea_log``)."""

    arrived_h: V        # the vessel reached the port's anchorage
    unloaded_h: V       # the load was in the yard (after waiting for space, if need be)
    boxes: V
    teu: V


class Sailing(NamedTuple, Generic[V]):
    """A vessel sailing one way (``VesselService.sailings``), laden or not."""

    vessel: V           # the vessel's number within its service
    direction: V        # 0: home -> far port, 1: back
    sailed_h: V         # left the berth
    arrived_h: V        # reached the far anchorage (NaN: at sea at the end)
    boxes: V
    teu: V
    units: V            # railcars (ferry) or TEU (feeder) carried; tonnes (tanker)
    landed_h: V         # the load was unloaded at the far port (NaN: not yet, or empty)


class Span(NamedTuple, Generic[V]):
    """An interval of hours: a closure, a vessel's idle spell (``to_h`` NaN: open at the
    end of the run)."""

    from_h: V
    to_h: V


class CraneGangs(NamedTuple, Generic[V]):
    """Crane gangs in force at a crossing or port from an hour on
    (``TransferFacility.crane_log``)."""

    from_h: V
    gangs: V


class YardCapacity(NamedTuple, Generic[V]):
    """A yard's capacity from an hour on (``TransferFacility.yard_log``)."""

    from_h: V
    capacity_teu: V


class FleetSize(NamedTuple, Generic[V]):
    """Vessels in service from an hour on (``VesselService.active``)."""

    from_h: V
    vessels: V


class BackgroundTrain(NamedTuple, Generic[V]):
    """A background train at a transfer facility (``FacilityTraffic.trains``): hours NaN
    where not reached by the end of the run."""

    arrived_h: V        # arrival at the facility
    work_h: V           # its work began: a crane gang took it (or, with no crane moves,
    #                     it got a receiving track)
    crane_done_h: V     # its crane work ended (NaN: none, or not yet)
    left_h: V           # it left its receiving track


class BackgroundBatch(NamedTuple, Generic[V]):
    """A day's background TEU through a port's yard (``FacilityTraffic.batches``): hours
    NaN where not reached by the end of the run."""

    arrived_h: V        # offered to the yard
    in_yard_h: V        # in the yard (after waiting for space, if need be)
    left_h: V           # taken out of the yard
    teu: V


class BackgroundCall(NamedTuple, Generic[V]):
    """A background vessel call at a port (``FacilityTraffic.calls``): hours NaN where
    not reached by the end of the run."""

    arrived_h: V        # reached the anchorage
    berthed_h: V        # took a berth
    left_h: V           # left the berth


def columns(rows: Sequence[tuple], row_type: type[R]) -> R:
    """A log as one float array per column: ``row_type`` holding the columns of
    ``rows`` (each row in ``row_type``'s field order). Codes and counts come back as
    floats (exact for any count a run makes)."""
    make: Any = row_type  # a NamedTuple class: _fields and _make
    a = rows_array(rows, len(make._fields))
    return make._make(a.T)
