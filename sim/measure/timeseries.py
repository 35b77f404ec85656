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

from sim.engine.logs import OriginTrain, columns
from sim.measure.intervals import (
    closed_share,
    crane_utilisation,
    crossing_record,
    crossing_yard_teu,
    link_directions,
    port_visits,
    port_yard_teu,
    routed_scopes,
    sailing_columns,
    service_scope,
    vessel_utilisation,
    yard_utilisation,
)
from sim.measure.monitors import counts_in, window_means

if TYPE_CHECKING:
    from sim.engine.output import RunOutput


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
        add(nid, "crossing", "trains_arrived", counts_in(rec.arrived_h, edges))
        add(nid, "crossing", "boxes_arrived", counts_in(rec.arrived_h, edges, rec.boxes))
        add(nid, "crossing", "queue_trains", window_means(*rec.queue, edges, end=end_h))
        add(nid, "crossing", "crane_utilisation", crane_utilisation(rec, edges, end_h))
        yard = crossing_yard_teu(rec, edges, end_h)
        add(nid, "crossing", "yard_teu", yard)
        add(nid, "crossing", "yard_utilisation",
            yard_utilisation(out.crossings[nid], yard, edges, end_h))
    for pid, port in out.ports.items():
        v = port_visits(out, pid)
        for kind, name in ((0, "boxes_arrived_by_rail"), (1, "boxes_arrived_by_sea")):
            add(pid, "port", name, counts_in(v["arrive"][v["kind"] == kind], edges))
        yard = port_yard_teu(out, pid, edges)
        add(pid, "port", "yard_teu", yard)
        add(pid, "port", "yard_utilisation", yard_utilisation(port, yard, edges, end_h))
        add(pid, "port", "closed_share", closed_share(port.closures, edges, end_h))
    routed = _boxes_routed(out, edges)
    for sid, svc in out.services.items():
        sail = sailing_columns(svc)
        for d in (0, 1):
            scope = service_scope(sid, d)
            m = sail.direction == d
            add(scope, "service", "sailings", counts_in(sail.sailed_h[m], edges))
            add(scope, "service", "teu_sailed",
                counts_in(sail.sailed_h[m], edges, sail.teu[m]))
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
    trains: OriginTrain[np.ndarray] = columns(out.origin_trains, OriginTrain)
    scopes = routed_scopes(out)
    got: dict[str, np.ndarray] = {}
    pairs = trains.flow * len(out.route_ids) + trains.route
    for key in np.unique(pairs).tolist():
        m = pairs == key
        boxes = counts_in(trains.departed_h[m], edges, trains.boxes[m])
        f, r = divmod(int(key), len(out.route_ids))
        for scope in scopes[(f, r)]:
            if scope in got:
                got[scope] = got[scope] + boxes
            else:
                got[scope] = boxes
    return got
