"""The routes' alternative-specific constants of the logit choices (``route_choice.constants``).

A key is a route id (the constant of that route for every flow that uses it) or
``"FLOW:ROUTE"`` (the constant of that route for that flow alone). A flow's own key wins;
a flow without one takes the route-wide key, if any, else 0. Flows that share a route but
split differently between their routes need their own constants to reproduce their
shares (:mod:`sim.study.calibration.choice` fits them). Pure lookups; no SimPy.
"""

from __future__ import annotations

from collections.abc import Mapping

SEPARATOR = ":"


def flow_key(fid: str, rid: str) -> str:
    """The key of flow ``fid``'s own constant for route ``rid``."""
    return f"{fid}{SEPARATOR}{rid}"


def split_key(key: str) -> tuple[str | None, str]:
    """``(flow, route)`` of a key; ``flow`` None for a route-wide key."""
    fid, sep, rid = key.partition(SEPARATOR)
    return (fid, rid) if sep else (None, key)


def route_constant(constants: Mapping[str, float], fid: str, rid: str) -> float:
    """Flow ``fid``'s constant for route ``rid``: its own, else the route's, else 0."""
    own = constants.get(flow_key(fid, rid))
    return constants.get(rid, 0.0) if own is None else own
