"""What the acceptance limits did (:mod:`sim.scenario.acceptance`): trains diverted at
their origins from a refusing route to another, boxes lost (to the sea, or refused at the
origin), trains held."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import Diversion, Held, MarketDay, Refused, columns
from sim.measure.monitors import PutRun, PutYears, window_index

if TYPE_CHECKING:
    from sim.engine.output import RunOutput


KPIS: dict[str, tuple[str, str]] = {
    "containers_diverted": ("containers", "boxes whose train a route over its acceptance "
                            "limit refused at the origin and that left by another route, "
                            "by 'from>to' route pair and all, per year"),
    "containers_lost": ("containers", "boxes lost to the corridor, by flow and all, per year: "
                        "of a flow the sea competes for, those that would have come to rail "
                        "had every route been accepting and went by sea; of any other flow, "
                        "those whose train was due while a train of the flow was held at its "
                        "origin and no route of the flow accepted trains, refused there (per "
                        "year of the train's planned hour); scope refused (period run): the "
                        "boxes refused over the whole run, warm-up included"),
    "containers_held": ("containers", "boxes whose train waited at its origin past its "
                        "planned hour because no route of its flow accepted trains (or a "
                        "train ahead of it waited so), per year of leaving"),
    "origin_hold_hours_mean": ("hours", "mean hours such a train left after its planned "
                               "hour, per year of leaving (NaN: none held)"),
    "containers_held_at_end": ("containers", "boxes whose train was still held at its "
                               "origin when the run ended (period run)"),
}


def acceptance_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears,
                    put_run: PutRun) -> None:
    """The acceptance KPIs, when the scenario sets a limit (every replication reports the
    same rows: all the flows' route pairs appear, zero when nothing moved)."""
    gate, n = out.gate, len(edges) - 1
    if gate is None:
        return
    d: Diversion[np.ndarray] = columns(gate.diverted, Diversion)
    j = window_index(np.asarray(d.hour, float), edges)
    ok = (j >= 0) & (j < n)
    boxes = np.asarray(d.boxes, float)
    pairs = sorted({(r, x) for fid in out.flow_ids
                    for r in out.scenario.demand.flows[fid].routes
                    for x in out.scenario.demand.flows[fid].routes if x != r})
    code = {rid: k for k, rid in enumerate(out.route_ids)}
    frm, to = np.asarray(d.from_route, np.int64), np.asarray(d.to_route, np.int64)
    for a, b in pairs:
        m = ok & (frm == code[a]) & (to == code[b])
        put_years("containers_diverted", f"{a}>{b}", np.bincount(j[m], boxes[m], n))
    put_years("containers_diverted", "all", np.bincount(j[ok], boxes[ok], n))
    lost_all = np.zeros(n)
    for f, m in out.markets.items():
        md: MarketDay[np.ndarray] = columns(m.accepted, MarketDay)
        k = window_index(np.asarray(md.day_h, float), edges)
        keep = (k >= 0) & (k < n)
        lost = np.bincount(k[keep], np.asarray(md.lost, float)[keep], n)
        put_years("containers_lost", out.flow_ids[f], lost)
        lost_all += lost
    rf: Refused[np.ndarray] = columns(gate.refused, Refused)
    put_run("containers_lost", "refused", float(np.asarray(rf.boxes, float).sum()))
    k = window_index(np.asarray(rf.hour, float), edges)
    keep = (k >= 0) & (k < n)
    k, of = k[keep], np.asarray(rf.flow, np.int64)[keep]
    boxes = np.asarray(rf.boxes, float)[keep]
    for f, fid in enumerate(out.flow_ids):
        if f not in out.markets:  # (every replication reports the same rows)
            lost = np.bincount(k[of == f], boxes[of == f], n)
            put_years("containers_lost", fid, lost)
            lost_all += lost
    put_years("containers_lost", "all", lost_all)
    h: Held[np.ndarray] = columns(gate.held, Held)
    still = np.asarray(h.route) < 0  # still held at the end (censored)
    put_run("containers_held_at_end", "all", float(np.asarray(h.boxes, float)[still].sum()))
    k = window_index(np.asarray(h.to_h, float), edges)
    keep = (k >= 0) & (k < n) & ~still
    held_boxes = np.bincount(k[keep], np.asarray(h.boxes, float)[keep], n)
    count = np.bincount(k[keep], minlength=n)
    wait = np.bincount(k[keep], (np.asarray(h.to_h) - np.asarray(h.from_h))[keep], n)
    put_years("containers_held", "all", held_boxes)
    put_years("origin_hold_hours_mean", "all",
              np.divide(wait, count, out=np.full(n, np.nan), where=count > 0))
