"""A one-screen text summary of a validated scenario (``corridor check``)."""

from __future__ import annotations

import calendar as cal_mod
import datetime as dt
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable

from sim.scenario.fleets import apportion
from sim.scenario.kind_fields import number_text
from sim.scenario.kinds import NODE_KINDS
from sim.scenario.leg_costs import cost_lines
from sim.scenario.mode_split import (
    BaseYear,
    competing_flows,
    implied_market_teu,
    reference_rail_share,
    sea_constant,
)
from sim.scenario.network import handling_of
from sim.scenario.schema import Disruption, Port, Scenario, _Handling
from sim.scenario.vessel_kinds import VESSEL_KINDS
from sim.scenario.wagons import wagon_lines
from sim.scenario.weather import weather_lines


def expected_volume(scenario: Scenario, flow_id: str, year: int) -> float:
    """Expected boxes of a flow in a calendar year (seasonality does not change the total)."""
    d = scenario.demand
    f = d.flows[flow_id]
    return f.volume(year, d.base_year) * d.scale


def _season(weights: list[float]) -> str:
    """The lowest and highest month of twelve monthly weights."""
    low = min(range(12), key=lambda m: weights[m])
    high = max(range(12), key=lambda m: weights[m])
    return (f"low {cal_mod.month_abbr[low + 1]} ({weights[low]:.2f}), "
            f"high {cal_mod.month_abbr[high + 1]} ({weights[high]:.2f})")


def _handling_line(nid: str, c: _Handling) -> str:
    """A transfer facility's line: tracks, cranes, yard, customs, departure rule, and the
    length of its outbound trains where its table gives one (a crossing's depends on the
    gauge, shown apart)."""
    boxes_per_day = c.cranes * 24 * c.crane_moves_per_h / c.moves_per_box
    trains = getattr(c, "train_boxes", None)
    return (f"    {nid:12s} {c.receiving_tracks:3d} tracks, {c.cranes:3d} crane gang(s) "
            f"(~{boxes_per_day:,.0f} boxes/day), yard {c.yard_capacity_teu:,.0f} TEU, "
            f"customs mean {c.customs_dwell_h.mean:.0f} h, departure {c.departure.rule}"
            + (f", trains of {trains}" if isinstance(trains, int) else ""))


def _port_line(nid: str, p: Port) -> str:
    return (f"    {nid:12s} {p.sea:9s} {p.berths:2d} berth(s), yard "
            f"{p.yard_capacity_teu:,.0f} TEU, customs mean {p.customs_dwell_h.mean:.0f} h,"
            f" trains of {p.train_boxes}")


# per node kind with a table: the heading of its part of the summary, whether the heading
# shows when no node has the kind, and one line per node (a kind not named here: its
# plural, shown when there are some, and the line of a crossing's handling)
TABLES: dict[str, tuple[str, bool, Callable]] = {
    "border": ("  crossings (gauge change):", True, _handling_line),
    "port": ("  ports:", False, _port_line),
}


def describe(s: Scenario) -> str:
    """The summary ``corridor check`` prints: horizon, network, facilities, vessel
    services, demand by region pair and year, seasonality, route choice, disruptions
    and the timeline."""
    h = s.horizon
    kinds = Counter(n.kind for n in s.nodes.values())
    km = sum(link.length_km for link in s.links.values())
    lines = [
        *textwrap.wrap(f"scenario {s.name}: {s.description}".rstrip(": "), width=92,
                       subsequent_indent="    ", max_lines=4),
        f"  horizon   {h.start} .. {h.end} (exclusive), warm-up {h.warmup_days} days, "
        f"seed {s.seed}",
        "  nodes     " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        + f"  ({len(s.nodes)} in all)",
        f"  links     {len(s.links)} rail links, {km:,.0f} km",
        *textwrap.wrap(f"  routes    {len(s.routes)}: " + ", ".join(
            f"{rid} ({r.corridor})" for rid, r in s.routes.items()), width=92,
            subsequent_indent="            "),
    ]
    for kind in NODE_KINDS.values():
        if kind.section is None:
            continue
        heading, always, line = TABLES.get(kind.name, (f"  {kind.plural}:", False,
                                                       _handling_line))
        tables = [(nid, getattr(n, kind.section)) for nid, n in s.nodes.items()
                  if n.kind == kind.name and getattr(n, kind.section) is not None]
        if tables or always:
            lines.append(heading)
        lines += [line(nid, t) for nid, t in tables]
    if s.services:
        lines.append("  services:")
    for sid, v in s.services.items():
        k = VESSEL_KINDS[v.kind]
        cap = f"{v.capacity_units():,.0f} {k.unit}"
        ships = str(v.fleet) if v.fleet_pool is None else _fleet_share(s, sid)
        takes = (f"~{v.capacity_boxes(s.demand.share_40ft)} boxes" if k.carries_boxes else
                 f"berths of its own {v.berths}, background {k.carries}")
        lines.append(f"    {sid:22s} {v.kind:6s} {v.from_} <-> {v.to}: {ships} x {cap} at "
                     f"{v.load_factor:.0%} ({takes}), "
                     f"crossing mean {v.crossing_h.mean:.0f} h, sails {v.sailing.rule}")
    years = list(range(h.start.year, h.end.year + (1 if h.end > h.end.replace(month=1, day=1)
                                                   else 0)))
    by_pair: dict[tuple[str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for fid, f in s.demand.flows.items():
        pair = (s.nodes[f.origin].region, s.nodes[f.destination].region)
        for y in years:
            by_pair[pair][y] += expected_volume(s, fid, y)
    lines.append(f"  demand    {len(s.demand.flows)} flows, scale {s.demand.scale:g}, "
                 f"{s.demand.share_40ft:.0%} 40 ft; expected boxes per year:")
    lines.append("    " + f"{'origin -> destination region':32s}" + "".join(
        f"{y:>12d}" for y in years))
    for (o, d), vals in sorted(by_pair.items()):
        lines.append(f"    {o + ' -> ' + d:32s}" + "".join(f"{vals[y]:12,.0f}" for y in years))
    total = {y: sum(v[y] for v in by_pair.values()) for y in years}
    lines.append(f"    {'total':32s}" + "".join(f"{total[y]:12,.0f}" for y in years))
    lines.append(f"  season    {_season(s.demand.seasonality)}")
    first_year = (h.start - dt.timedelta(days=h.warmup_days)).year
    for fid, f in s.demand.flows.items():  # a flow's own months in particular years
        for y, w in sorted(f.seasonality_by_year.items()):
            note = ("" if y in years else " (in the warm-up only)"
                    if first_year <= y < h.start.year else " (outside the run: not used)")
            lines.append(f"            {fid} {y}: {_season(w)}{note}")
    for fid, f in s.demand.flows.items():
        if f.empties is not None:  # empties going back (sim.scenario.empties)
            net = f", net of {', '.join(f.empties.net_of)}" if f.empties.net_of else ""
            lines.append(f"  empties   {fid}: {f.empties.return_share:g} of its boxes go "
                         f"back empty {f.empties.lag_days:g} d after arrival{net}")
    rc = s.route_choice
    if rc.model == "nested_logit" and s.sea_mode is not None:
        lines.append(f"  choice    nested logit (rail nest mu={rc.nest_scale:g}, sea alternative "
                     f"with {len(s.sea_mode.rates)} dated rates), value of time "
                     f"{rc.value_of_time_usd_per_teu_day:g} USD/TEU-day, "
                     f"{rc.tariff_per_kusd:g}/kUSD"
                     + (f", path size (track outside {', '.join(rc.path_size_skips)})"
                        if rc.path_size and rc.path_size_skips else
                        ", path size" if rc.path_size else "")
                     + f", {_requote(rc.requote_days)}")
        flows = competing_flows(s)
        if flows:  # the split of the market applied to the demand (sim.scenario.mode_split)
            base = BaseYear(s)  # the reference pieces, made once
            c = sea_constant(s, base)
            shares = ", ".join(f"{f} {reference_rail_share(s, f, c, base):.1%}"
                               for f in flows)
            n = f"{len(flows)} flow{'s' if len(flows) > 1 else ''}"
            lines.append(f"  market    {n} split a market with the sea: "
                         f"{implied_market_teu(s, c, base):,.0f} TEU in {s.demand.base_year}, "
                         f"sea constant {c:.3g}; rail's reference shares {shares}"
                         + (" (held: sea_mode.held_market)"
                            if s.sea_mode.held_market is not None else ""))
    elif rc.model == "logit":
        lines.append(f"  choice    logit: {rc.time_per_day:g}/day, {rc.tariff_per_kusd:g}/kUSD, "
                     f"{rc.unreliability_per_day:g}/day of p95-p50, window "
                     f"{rc.window_days:g} d, {_requote(rc.requote_days)}")
    else:
        lines.append("  choice    fixed route shares per flow")
    limits = [f"{nid} {hd.acceptance_limit_teu:,.0f} TEU booked"
              for nid in s.nodes if (hd := handling_of(s, nid)) is not None
              and hd.acceptance_limit_teu is not None]
    limits += [f"line {lid} {link.acceptance_limit_queue_h:g} h of queue"
               for lid, link in s.links.items() if link.acceptance_limit_queue_h is not None]
    if limits:  # routes refuse trains at their origins beyond these (sim.engine.acceptance)
        lines.append("  accept    routes refuse trains beyond: " + ", ".join(limits))
    opening = sorted((r.open_from, rid) for rid, r in s.routes.items() if r.open_from)
    if opening:  # offered from their dates (routes.X.open_from)
        lines.append("  opening   " + ", ".join(f"{rid} from {d}" for d, rid in opening))
    disrupted: list[tuple[str, Disruption]] = [
        *((lid, d) for lid, link in s.links.items() for d in link.disruptions),
        *((nid, d) for nid, node in s.nodes.items() for d in node.disruptions)]
    if disrupted:
        lines.append("  disrupt   " + ", ".join(
            f"{fid} {d.kind} {d.events_per_year:g}/yr x {d.duration_h.mean:.0f} h"
            for fid, d in disrupted))
    lines += weather_lines(s)
    lines += cost_lines(s)
    lines += wagon_lines(s)
    for ch in sorted(s.timeline, key=lambda c: c.date):
        if ch.close:
            what = f"close {ch.close} for {ch.days:g} days"
        elif ch.shares:
            what = "route shares: " + "; ".join(
                f"{fid} " + ", ".join(f"{r} {v:g}" for r, v in t.items())
                for fid, t in ch.shares.items())
        else:
            what = ", ".join(f"{k} = {number_text(v)}" + _fleet_split(s, k, v)
                             for k, v in (ch.set or {}).items())
        lines.append(f"  timeline  {ch.date}: {what}")
    lines.append("ok: no problems found")
    return "\n".join(lines)


def _fleet_lines(s: Scenario, fid: str, ships: int) -> list[tuple[str, int]]:
    """The ships of fleet ``fid`` per line (its services, in the scenario's order) when
    it has ``ships`` under a fixed allocation, as the run splits them."""
    order = [sid for sid, v in s.services.items() if v.fleet_pool == fid]
    per = s.fleets[fid].ships_per_line
    return list(zip(order, apportion(ships, [per.get(sid, 0) for sid in order])))


def _fleet_share(s: Scenario, sid: str) -> str:
    """A shared fleet as one of its lines sees it: its line's ships of the fleet's, if
    fixed."""
    fid = s.services[sid].fleet_pool
    assert fid is not None
    f = s.fleets[fid]
    if f.allocation != "fixed":
        return f"fleet {fid} ({f.ships} ships, {f.allocation})"
    n = dict(_fleet_lines(s, fid, f.ships))[sid]
    return f"{n} of fleet {fid} ({f.ships} ships, fixed)"


def _fleet_split(s: Scenario, path: str, value: float) -> str:
    """How a timeline change of a fixed fleet's size is split between its lines
    (empty for any other change)."""
    parts = path.split(".")
    if (len(parts) != 3 or parts[0] != "fleets" or parts[2] != "ships"
            or parts[1] not in s.fleets or s.fleets[parts[1]].allocation != "fixed"):
        return ""
    return " (" + ", ".join(f"{sid} {n}" for sid, n in
                            _fleet_lines(s, parts[1], int(value))) + ")"


def _requote(days: int) -> str:
    """How often the choice is re-read (route_choice.requote_days)."""
    return "re-quoted daily" if days == 1 else f"re-quoted every {days} days"
