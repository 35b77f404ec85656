"""Daily time series per facility over the reported horizon (warm-up excluded).

Long format: one row per (date, facility, metric) with a float value. Crossings report
trains and boxes arriving, trains waiting (time-average), crane utilisation, yard TEU
(time-average) and yard utilisation; ports boxes arriving by rail and by sea, yard TEU,
yard utilisation and the share of the day closed; vessel services sailings, TEU sailed
and boxes routed per direction, and the fleet's utilisation; link directions trains
entering, trains waiting for a path and boxes routed.

*Boxes routed* over a link or sea passage, in one direction, are the boxes on block trains
leaving their origin that day whose path uses it: the flow assigned to the network (the
corridor map's line widths), dated by the departure from the origin, not by the day the
boxes reach that link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.records import rows_array
from sim.measure.intervals import (
    crossing_record,
    link_directions,
    port_visits,
    routed_scopes,
    vessel_utilisation,
)
from sim.measure.kpis import yard_capacity
from sim.measure.monitors import counts_in, window_means

if TYPE_CHECKING:
    from sim.engine.model import RunOutput


def daily(out: RunOutput) -> pd.DataFrame:
    cal = out.calendar
    edges = np.arange(cal.start_h, cal.end_h + 1e-9, 24.0)
    dates = pd.date_range(cal.start, periods=len(edges) - 1, freq="D")
    end_h = cal.end_h
    labels: list[tuple[str, str, str]] = []
    frames: list[np.ndarray] = []

    def add(facility: str, kind: str, metric: str, values) -> None:
        labels.append((facility, kind, metric))
        frames.append(np.asarray(values, float))

    for nid in out.crossings:
        rec = crossing_record(out, nid)
        add(nid, "crossing", "trains_arrived", counts_in(rec.arrive, edges))
        add(nid, "crossing", "boxes_arrived", counts_in(rec.arrive, edges, rec.boxes))
        add(nid, "crossing", "queue_trains", window_means(*rec.queue, edges, end=end_h))
        busy = window_means(*rec.busy, edges, end=end_h)
        c_from, c_to, c_n = rec.cranes
        avail = window_means(c_from, c_to, edges, c_n, end=end_h)
        add(nid, "crossing", "crane_utilisation",
            np.divide(busy, avail, out=np.full(len(busy), np.nan), where=avail > 0))
        a, b, w = rec.yard
        yard = window_means(a, b, edges, w, end=end_h)
        add(nid, "crossing", "yard_teu", yard)
        add(nid, "crossing", "yard_utilisation", yard / yard_capacity(out.crossings[nid],
                                                                      edges, end_h))
    st = out.store
    for pid, port in out.ports.items():
        v = port_visits(out, pid)
        teu = st.teu[v["row"]].astype(float)
        for kind, name in ((0, "boxes_arrived_by_rail"), (1, "boxes_arrived_by_sea")):
            add(pid, "port", name, counts_in(v["arrive"][v["kind"] == kind], edges))
        done = np.isfinite(v["unloaded"])
        yard = window_means(v["unloaded"][done], v["release"][done], edges, teu[done],
                            end=end_h)
        add(pid, "port", "yard_teu", yard)
        add(pid, "port", "yard_utilisation", yard / yard_capacity(port, edges, end_h))
        shut = np.array(port.closures, float).reshape(-1, 2)
        add(pid, "port", "closed_share", window_means(shut[:, 0], shut[:, 1], edges,
                                                      end=end_h))
    routed = _boxes_routed(out, edges)
    for sid, svc in out.services.items():
        sail = rows_array(svc.sailings, 8)
        for d, scope in ((0, sid), (1, f"{sid}:return")):
            m = sail[:, 1] == d
            add(scope, "service", "sailings", counts_in(sail[m, 2], edges))
            add(scope, "service", "teu_sailed", counts_in(sail[m, 2], edges, sail[m, 5]))
            add(scope, "service", "boxes_routed", routed.get(scope, np.zeros(len(dates))))
        add(sid, "service", "vessel_utilisation", vessel_utilisation(svc, edges, end_h))
    for scope, _line, reached, entered in link_directions(out):
        add(scope, "link", "trains_entered", counts_in(entered, edges))
        add(scope, "link", "queue_trains", window_means(reached, entered, edges, end=end_h))
        add(scope, "link", "boxes_routed", routed.get(scope, np.zeros(len(dates))))
    if not frames:
        return pd.DataFrame(columns=["date", "facility", "kind", "metric", "value"])
    n = len(dates)  # one frame built at once: a frame per series cost more than the series
    cols = {"date": np.tile(dates.values, len(frames))}
    for j, name in enumerate(("facility", "kind", "metric")):
        # categorical: cheap to send back from a worker process and to store
        names = [lab[j] for lab in labels]
        cats = sorted(set(names))
        code = {c: i for i, c in enumerate(cats)}
        cols[name] = pd.Categorical.from_codes(
            np.repeat(np.array([code[x] for x in names], np.int32), n), categories=cats)
    cols["value"] = np.concatenate(frames)
    return pd.DataFrame(cols)


def _boxes_routed(out: RunOutput, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Per link or sea-passage direction (its scope), boxes on block trains leaving their
    origin in each window whose path uses it."""
    trains = rows_array(out.origin_trains, 5)  # flow, route, hour, boxes, teu
    scopes = routed_scopes(out)
    got: dict[str, np.ndarray] = {}
    pairs = trains[:, 0] * len(out.route_ids) + trains[:, 1]
    for key in np.unique(pairs).tolist():
        m = pairs == key
        boxes = counts_in(trains[m, 2], edges, trains[m, 3])
        f, r = divmod(int(key), len(out.route_ids))
        for scope in scopes[(f, r)]:
            if scope in got:
                got[scope] = got[scope] + boxes
            else:
                got[scope] = boxes
    return got
