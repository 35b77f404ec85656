"""Acceptance limits: an operator stops taking new boxes for the routes through a
facility while the facility's backlog is above a limit (KTZ's 2024 stops on new cargo
for Dostyk and Altynkol, corridor-facts §3.3).

The backlog is what is booked through the facility: the TEU accepted at the origins for
routes through it that have not yet gone on from it (on their way to it, or in it: its
yard, tracks, sidings and trains being formed). While it is above
``acceptance_limit_teu``, every route through the facility refuses trains at their
origins (checked when a train is about to leave; :mod:`sim.engine.acceptance`): a
refused train takes the next best open route of its flow, by the same choice model
(``containers_diverted``); a flow the sea competes for loses to the sea the boxes its
open routes do not win back (``containers_lost``); a train with no open route waits at its
origin, trying again every 6 hours (``containers_held``), and while it waits and no route
of its flow accepts trains the operator takes no new bookings for the flow: a flow the sea
does not compete for has the trains due then refused at the origin, their boxes lost to
the corridor (``containers_lost``; assumption: for good — another mode, or no shipment).
None (the default): no limit.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.basics import Strict as _Strict


class Acceptance(_Strict):
    """A transfer facility's acceptance limit (crossings, ports, dry ports)."""

    acceptance_limit_teu: float | None = Field(
        None, gt=0, le=10_000_000, description="the routes through the facility refuse new "
        "trains at their origins while more than this is booked through it (accepted at the "
        "origins and not yet gone on), TEU (none: no limit)",
        json_schema_extra={"timeline": {}})  # a timeline may change it (schema.during_run)
