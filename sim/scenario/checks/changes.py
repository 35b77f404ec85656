"""The timeline rule: dated changes fall in the simulated span, close only closable
facilities, set only fields that may change during a run (marked in the schema, see
:func:`sim.scenario.kind_fields.timeline_fields`) to values within their bounds, and give route
shares that make sense."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping

from pydantic import BaseModel

from sim.scenario.checks.elements import Found
from sim.scenario.checks.flows import flow_paths, loads, path_problems
from sim.scenario.kind_fields import section_model, timeline_fields
from sim.scenario.kinds import NODE_KINDS, kind_of, kinds_where
from sim.scenario.partial import Unusable
from sim.scenario.problems import did_you_mean
from sim.scenario.schema import Scenario, _route_shares

# parameters a timeline may change, by table of the scenario, with their bounds
TIMELINE_FIELDS = timeline_fields()
ALLOWED_CHANGES = ", ".join(f"{t}.ID.{f}" for t, fs in TIMELINE_FIELDS.items() for f in fs)
# the tables of a node (crossing, port, ...), by kind (sim.scenario.kinds)
NODE_SECTIONS = sorted({k.section for k in NODE_KINDS.values() if k.section is not None})


def timeline(s: Scenario) -> Found:
    """Timeline changes fall in the simulated span, name existing facilities and
    parameters that can change during a run, with valid values."""
    h = s.horizon
    first = h.start - dt.timedelta(days=h.warmup_days)
    for i, ch in enumerate(s.timeline):
        p = f"timeline[{i}]"
        if not (first <= ch.date < h.end):
            yield f"{p}.date", (f"{ch.date} is outside the simulated span {first} .. {h.end} "
                                "(warm-up included, end excluded)")
        if ch.close is not None:
            node = s.nodes.get(ch.close)
            if ch.close in s.links or (node is not None and kind_of(node).closable):
                continue
            if node is not None:
                which = ", ".join(k.plural for k in kinds_where(lambda k: k.closable))
                yield f"{p}.close", (f"'{ch.close}' is a {node.kind}; only {which} and links "
                                     "can close")
            else:
                closable = [*s.links, *(k for k, n in s.nodes.items()
                                        if kind_of(n).closable)]
                yield f"{p}.close", (f"unknown facility '{ch.close}' "
                                     f"({did_you_mean(ch.close, closable)})")
            continue
        for path, value in (ch.set or {}).items():
            yield from _timeline_value(s, f"{p}.set", path, value)
        if ch.shares is not None:
            yield from _timeline_shares(s, f"{p}.shares", ch.shares)


def _timeline_shares(s: Scenario, where: str, shares: dict[str, dict[str, float]]) -> Found:
    if s.route_choice.model != "shares":
        yield where, ("route shares can change only with route_choice.model = 'shares' (the "
                      "logit chooses routes by their cost)")
        return
    paths = {(fid, rid): (path, err) for fid, rid, path, err in flow_paths(s)}
    for fid, table in shares.items():
        if fid not in s.demand.flows:
            yield f"{where}.{fid}", f"unknown flow '{fid}' ({did_you_mean(fid, s.demand.flows)})"
            continue
        try:
            _route_shares(table)
        except ValueError as e:
            yield f"{where}.{fid}", str(e)
            continue
        for rid in table:
            if rid not in s.routes:
                yield (f"{where}.{fid}.{rid}",
                       f"unknown route '{rid}' ({did_you_mean(rid, s.routes)})")
            elif (fid, rid) in paths:
                path, err = paths[(fid, rid)]
                for msg in [err] if err else path_problems(s, path or []):
                    yield f"{where}.{fid}.{rid}", msg


def _unchangeable(table: str, field: str, allowed: Mapping[str, object],
                  model: type[BaseModel]) -> str:
    """Why ``field`` of an element of ``table`` cannot be set by a timeline: a field that
    does not exist (with the nearest that does, and whether that one may change), or one
    fixed for the whole run (said at the key's own path, ``timeline[i].set.KEY``)."""
    kind = table[:-1]
    during = ", ".join(allowed) or "none"
    if table == "nodes":  # a node's own fields, and its tables' as "table.field"
        head = ".".join(field.split(".")[:2])
        if head in NODE_SECTIONS:
            return (f"is a table of a node, not a field (the fields that can change during a "
                    f"run: {during})")
        known = [f for f in model.model_fields if f not in NODE_SECTIONS] + [
            f"{sec}.{f}" for sec in NODE_SECTIONS for f in section_model(sec).model_fields]
    else:
        head = field.split(".")[0]
        known = list(model.model_fields)
    if head in allowed and head != field:  # a value written as if it were a table
        return (f"'{head}' of a {kind} is a value, with no field '{field[len(head) + 1:]}' "
                f"(write {table}.ID.{head})")
    if head in known:
        return f"cannot change during a run (these can: {during})"
    close = difflib.get_close_matches(head, sorted(known), n=1, cutoff=0.6)
    if close and close[0] in allowed:
        return f"unknown key (did you mean '{close[0]}'?)"
    if close:
        return (f"unknown key (did you mean '{close[0]}'? It cannot change during a run; "
                f"these can: {during})")
    return f"unknown key (these can change during a run: {during})"


def _timeline_value(s: Scenario, where: str, path: str, value: float) -> Found:
    """The problems of one key of a dated change's ``set`` (``path`` = value), each at
    the key's own path (``timeline[i].set.fleets.caspian.ships``), as the schema names a
    value of the wrong type."""
    at = f"{where}.{path}"
    table, _, rest = path.partition(".")
    eid, _, field = rest.partition(".")
    allowed = TIMELINE_FIELDS.get(table)
    if allowed is None and table not in Scenario.model_fields:  # a misspelt table
        yield at, f"unknown table '{table}' ({did_you_mean(table, TIMELINE_FIELDS)})"
        return
    if allowed is None:
        yield at, f"cannot change during a run (allowed: {ALLOWED_CHANGES})"
        return
    if not eid or not field:
        yield at, (f"names no field (write {table}.ID.FIELD; these can change during a "
                   f"run: {', '.join(f'{table}.ID.{f}' for f in allowed)})")
        return
    items = getattr(s, table)
    if eid not in items:
        yield at, f"unknown {table[:-1]} '{eid}' ({did_you_mean(eid, items)})"
        return
    if table == "nodes" and field.split(".")[0] in NODE_SECTIONS and getattr(
            items[eid], field.split(".")[0]) is None:
        yield at, f"'{eid}' has no {field.split('.')[0]}"
        return
    if field not in allowed:
        here = allowed if table != "nodes" else {
            f: b for f, b in allowed.items() if getattr(items[eid], f.split(".")[0]) is not None}
        yield at, _unchangeable(table, field, here, type(items[eid]))
        return
    if isinstance(value, Unusable):  # a value that failed its schema (reported there): the
        return                      # path is checked above, so a misspelt one shows too
    low, high, whole = allowed[field]
    if field.endswith("yard_capacity_teu"):
        nb = loads(s)[0].get(eid)
        if nb is not None and value < 2 * nb:
            yield at, (f"{value:g} TEU cannot take one inbound load of {nb} boxes (up to "
                       f"{2 * nb} TEU)")
            return
    if whole and value != int(value):
        yield at, f"must be a whole number (got {value:g})"
    elif not (low < value <= high if not whole else low <= value <= high):
        op = ">=" if whole else ">"
        yield at, f"must be {op} {low:g} and <= {high:g} (got {value:g})"
