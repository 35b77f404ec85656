"""Rules on container wagons rolling on to a rail ferry at its home port
(``roll_on_dwell_h``, :mod:`sim.scenario.sidings`): only a ferry rolls wagons on, and its
home port has ferry sidings that take the trains that roll on there."""

from __future__ import annotations

from sim.scenario.checks.elements import Found
from sim.scenario.checks.flows import flow_paths
from sim.scenario.network import box_services, gauge_problems, transfers
from sim.scenario.schema import Scenario
from sim.scenario.vessel_kinds import VESSEL_KINDS


def roll_on(s: Scenario) -> Found:
    """A service that rolls wagons on is a ferry; its home port has ferry sidings that
    take one inbound train whose boxes sail on it (a box takes at most a railcar) and,
    under sailing rule 'full', a load short of full plus one such train, or it could
    deadlock (as a yard: :func:`sim.scenario.checks.flows.yards_hold_trains`)."""
    trains = _inbound_trains(s)
    for sid, svc in s.services.items():
        if svc.roll_on_dwell_h is None:
            continue
        if not VESSEL_KINDS[svc.kind].rolls_wagons:
            yield f"services.{sid}.roll_on_dwell_h", (
                f"a {svc.kind} takes no wagons from the home port's sidings; only a ferry "
                "rolls wagons on")
            continue
        home = s.nodes.get(svc.from_)
        port = home.port if home is not None else None
        if port is None:
            continue  # the services rule reports it
        p = f"nodes.{svc.from_}.port.ferry_sidings_railcars"
        cap = port.ferry_sidings_railcars
        if cap is None:
            yield p, (f"needed: service '{sid}' rolls wagons on here (roll_on_dwell_h); the "
                      "railcars the ferry sidings hold, with its source")
            continue
        nb = trains.get(sid)
        if nb is None:
            continue  # no flow sails on it from home
        if cap < nb:
            yield p, (f"{cap} railcars cannot take one inbound train of {nb} boxes (up to "
                      f"{nb} railcars) sailing on '{sid}'")
        elif svc.sailing.rule == "full":
            need = svc.capacity_boxes(s.demand.share_40ft) - 1 + nb
            if cap < need:
                yield p, (f"{cap} railcars can deadlock under sailing rule 'full' of "
                          f"'{sid}' (needs >= {need}: a load short of full plus one inbound "
                          "train, or use 'full_or_max_wait')")


def _inbound_trains(s: Scenario) -> dict[str, int]:
    """Per vessel service, the largest train (boxes) reaching its home port by rail with
    boxes that sail on it from there."""
    home = {(v.from_, v.to): sid for sid, v in box_services(s).items()}
    out: dict[str, int] = {}
    for _fid, _rid, path, err in flow_paths(s):
        if err or path is None or gauge_problems(s, path) or \
                s.nodes[path[0]].boxes_per_train is None:
            continue
        for t in transfers(s, path):
            sid = home.get((t.node, t.onward[0])) if t.leaves_by_sea else None
            if sid is not None and not t.arrives_by_sea and t.inbound_boxes is not None:
                out[sid] = max(out.get(sid, 0), t.inbound_boxes)
    return out
