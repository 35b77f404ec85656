"""The routes' alternative-specific constants of the logit choices (``route_choice.constants``).

A key is a route id (the constant of that route for every flow that uses it) or
``"FLOW:ROUTE"`` (the constant of that route for that flow alone). A flow's own key wins;
a flow without one takes the route-wide key, if any, else 0. Flows that share a route but
split differently between their routes need their own constants to reproduce their
shares (:mod:`sim.study.calibration.choice` fits them). A value may also be another key,
read as that key's constant (an alias: a new route "as attractive as" one it parallels,
which follows the parallel route's constant whenever it is refitted). Pure lookups; no
SimPy.
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


def resolve(constants: Mapping[str, float | str], key: str) -> float:
    """The constant of ``key``, following aliases (a value that names another key).

    Raises
    ------
    KeyError
        An alias names no key, or aliases go round in a circle (the checks refuse both:
        :func:`alias_problem`).
    """
    seen = [key]
    value = constants[key]
    while isinstance(value, str):
        if value in seen or value not in constants:
            raise KeyError(value)
        seen.append(value)
        value = constants[value]
    return float(value)


def alias_problem(constants: Mapping[str, float | str], key: str) -> str | None:
    """What is wrong with ``key``'s alias chain, if anything."""
    seen = [key]
    value = constants[key]
    while isinstance(value, str):
        if value not in constants:
            return f"'{value}' names no constant (an alias must name another key of the table)"
        if value in seen:
            return "aliases go round in a circle: " + " -> ".join([*seen, value])
        seen.append(value)
        value = constants[value]
    return None


def route_constant(constants: Mapping[str, float | str], fid: str, rid: str) -> float:
    """Flow ``fid``'s constant for route ``rid``: its own, else the route's, else 0."""
    own = flow_key(fid, rid)
    if own in constants:
        return resolve(constants, own)
    return resolve(constants, rid) if rid in constants else 0.0
